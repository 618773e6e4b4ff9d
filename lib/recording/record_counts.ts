/**
 * Running counts of what a day file holds (depth updates, snapshots, gaps, update-id range): kept
 * while writing and rebuilt from a file's lines when a file was written by several processes.
 *
 * @module
 */
import type { RecordSink } from "./record_reader.ts";

/** What a day file holds, as its manifest reports it. */
export interface RecordCounts {
  /** `U` of the first `depthUpdate`, or `null` when there is none. */
  firstUpdateId: number | null;
  /** `u` of the last `depthUpdate`, or `null` when there is none. */
  lastUpdateId: number | null;
  /** Number of `depthUpdate` records. */
  events: number;
  /** Number of `snapshot` records. */
  snapshots: number;
  /** Number of `gap` records. */
  gaps: number;
}

/** Counts of an empty file. */
export function emptyCounts(): RecordCounts {
  return { firstUpdateId: null, lastUpdateId: null, events: 0, snapshots: 0, gaps: 0 };
}

/** Adds `more` (what came later) to `into`. */
export function addCounts(into: RecordCounts, more: RecordCounts): void {
  if (into.firstUpdateId === null) into.firstUpdateId = more.firstUpdateId;
  if (more.lastUpdateId !== null) into.lastUpdateId = more.lastUpdateId;
  into.events += more.events;
  into.snapshots += more.snapshots;
  into.gaps += more.gaps;
}

/**
 * A sink for the record reader that counts into `into` (`readRecords(path, recordCounter(c),
 * { scanner: true })`): the records `verify` counts, so a manifest and verify's report agree on
 * any file, whole or damaged (a line that is not a record counts for nothing).
 */
export function recordCounter(into: RecordCounts): RecordSink {
  const event = (ev: { U: number; u: number }) => {
    into.events++;
    into.firstUpdateId ??= ev.U;
    into.lastUpdateId = ev.u;
  };
  return {
    event,
    record(r) {
      if (r.type === "depthUpdate") event(r);
      else if (r.type === "snapshot") into.snapshots++;
      else if (r.type === "gap") into.gaps++;
    },
    bad() {},
  };
}
