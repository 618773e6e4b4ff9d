/**
 * The collector's counters in one object: the router's, the sums of the symbols', the snapshot
 * scheduler's and the connection pool's.
 *
 * @module
 */
import type { PoolStats } from "./connection_pool.ts";
import type { RouterStats } from "./frame_router.ts";
import type { SnapshotStats } from "./snapshot_scheduler.ts";
import type { SymbolSync } from "./symbol_sync.ts";
import type { SymbolStats } from "./symbol_stats.ts";

/** The symbol counters the collector adds up. */
const SUMMED = [
  "events",
  "written",
  "applied",
  "stale",
  "duplicates",
  "gaps",
  "resyncs",
  "syncs",
  "handoffs",
  "crossed",
] as const;
type Summed = Pick<SymbolStats, typeof SUMMED[number]>;

/** Counters of the whole collector; those of `SymbolStats` are sums over the symbols. */
export interface CollectorStats extends RouterStats, Summed {
  /** Symbols followed. */
  symbols: number;
  /** Symbols whose book is in sync. */
  inSync: number;
  /** The snapshot scheduler's counters. */
  snapshots: SnapshotStats;
  /** The connection pool's counters. */
  connections: PoolStats;
}

/** Adds up the counters (copies: later changes do not show). */
export function collectStats(parts: {
  states: Iterable<SymbolSync>;
  router: RouterStats;
  snapshots: SnapshotStats;
  pool: PoolStats;
}): CollectorStats {
  const out: CollectorStats = {
    ...parts.router,
    symbols: 0,
    inSync: 0,
    ...Object.fromEntries(SUMMED.map((key) => [key, 0])) as Summed,
    snapshots: { ...parts.snapshots },
    connections: { ...parts.pool },
  };
  for (const state of parts.states) {
    out.symbols++;
    if (state.inSync) out.inSync++;
    for (const key of SUMMED) out[key] += state.stats[key];
  }
  return out;
}
