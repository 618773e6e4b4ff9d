/**
 * Counters of one symbol, for logs, the status line and metrics.
 *
 * @module
 */
import { LatencyHistogram } from "../util/latency.ts";
import type { GapReason } from "../recording/records.ts";

/** Counters of one symbol. */
export interface SymbolStats {
  /** Events received from the connection feeding the symbol. */
  events: number;
  /** Event records written. */
  written: number;
  /** Events applied to the in-sync book. */
  applied: number;
  /** Events ignored as already in the book (`u <=` its id). */
  stale: number;
  /** Events dropped as repeated by the other connection of a handoff. */
  duplicates: number;
  /** Gaps recorded. */
  gaps: number;
  /** Gaps recorded, by reason. */
  gapReasons: Partial<Record<GapReason, number>>;
  /** Snapshot requests made after the book was lost (not counting the first sync). */
  resyncs: number;
  /** Snapshot requests made. */
  snapshotsRequested: number;
  /** Snapshots received. */
  snapshotsReceived: number;
  /** Snapshot records written: from REST, or the book carried over at a handoff. */
  snapshotRecords: { rest: number; book: number };
  /** Times the book was in sync after a snapshot. */
  syncs: number;
  /** Handoffs to a new connection without a gap. */
  handoffs: number;
  /** Events after which the book was crossed. */
  crossed: number;
  /** Lag from exchange event time `E` to local receipt (plus the clock offset, if known), ms. */
  lag: LatencyHistogram;
}

/** Counters at zero. */
export function newSymbolStats(): SymbolStats {
  return {
    events: 0,
    written: 0,
    applied: 0,
    stale: 0,
    duplicates: 0,
    gaps: 0,
    gapReasons: {},
    resyncs: 0,
    snapshotsRequested: 0,
    snapshotsReceived: 0,
    snapshotRecords: { rest: 0, book: 0 },
    syncs: 0,
    handoffs: 0,
    crossed: 0,
    lag: new LatencyHistogram(),
  };
}
