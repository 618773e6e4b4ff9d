/**
 * The collector's counters in one object: the router's, the sums of the symbols', the snapshot
 * scheduler's and the connection pool's.
 *
 * @module
 */
import type { PoolStats } from "./connection_pool.ts";
import type { RouterStats } from "./frame_router.ts";
import type { SnapshotStats } from "./snapshot_scheduler.ts";
import type { SymbolState } from "./symbol_state.ts";

/** Counters of the whole collector. */
export interface CollectorStats extends RouterStats {
  /** Symbols followed. */
  symbols: number;
  /** Symbols whose book is in sync. */
  inSync: number;
  /** Sums over the symbols (see `SymbolStats`). */
  events: number;
  written: number;
  applied: number;
  stale: number;
  duplicates: number;
  gaps: number;
  resyncs: number;
  syncs: number;
  handoffs: number;
  crossed: number;
  /** The snapshot scheduler's counters. */
  snapshots: SnapshotStats;
  /** The connection pool's counters. */
  connections: PoolStats;
}

/** Adds up the counters (copies: later changes do not show). */
export function collectStats(parts: {
  states: Iterable<SymbolState>;
  router: RouterStats;
  snapshots: SnapshotStats;
  pool: PoolStats;
}): CollectorStats {
  const out: CollectorStats = {
    ...parts.router,
    symbols: 0,
    inSync: 0,
    events: 0,
    written: 0,
    applied: 0,
    stale: 0,
    duplicates: 0,
    gaps: 0,
    resyncs: 0,
    syncs: 0,
    handoffs: 0,
    crossed: 0,
    snapshots: { ...parts.snapshots },
    connections: { ...parts.pool },
  };
  for (const state of parts.states) {
    out.symbols++;
    if (state.inSync) out.inSync++;
    const st = state.stats;
    out.events += st.events;
    out.written += st.written;
    out.applied += st.applied;
    out.stale += st.stale;
    out.duplicates += st.duplicates;
    out.gaps += st.gaps;
    out.resyncs += st.resyncs;
    out.syncs += st.syncs;
    out.handoffs += st.handoffs;
    out.crossed += st.crossed;
  }
  return out;
}
