/**
 * Running counts of what a day file holds (depth updates, snapshots, gaps, update-id range): kept
 * while writing and rebuilt from a file's lines when a file was written by several processes. In
 * the file of another stream the events are its records (`trade`, `aggTrade`, `bookTicker`) and
 * the ids their own (`t`, `a`, `u`).
 *
 * @module
 */
import type { RecordSink } from "./record_reader.ts";
import type { ParsedRecord } from "./record_parse.ts";

/** What a day file holds, as its manifest reports it. */
export interface RecordCounts {
  /**
   * `U` of the first `depthUpdate` (`t` of the first trade, `a` of the first aggTrade, `u` of the
   * first bookTicker), or `null` when there is none.
   */
  firstUpdateId: number | null;
  /** `u` of the last `depthUpdate` (`t`, `a`, `u` of the last trade…), or `null`. */
  lastUpdateId: number | null;
  /** Number of `depthUpdate` records (or `trade`, `aggTrade`, `bookTicker` records). */
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

/** Counts one record into `into` (headers, clock records and unknown types count for nothing). */
export function countRecord(into: RecordCounts, r: ParsedRecord): void {
  switch (r.type) {
    case "depthUpdate":
      return countEvent(into, r.U, r.u);
    case "trade":
      return countEvent(into, r.t, r.t);
    case "aggTrade":
      return countEvent(into, r.a, r.a);
    case "bookTicker":
      return countEvent(into, r.u, r.u);
    case "snapshot":
      into.snapshots++;
      return;
    case "gap":
      into.gaps++;
      return;
  }
}

function countEvent(into: RecordCounts, first: number, last: number): void {
  into.events++;
  into.firstUpdateId ??= first;
  into.lastUpdateId = last;
}

/**
 * A sink for the record reader that counts into `into` (`readRecords(path, recordCounter(c),
 * { scanner: true })`): the records `verify` counts, so a manifest and verify's report agree on
 * any file, whole or damaged (a line that is not a record counts for nothing).
 */
export function recordCounter(into: RecordCounts): RecordSink {
  return {
    event: (ev) => countEvent(into, ev.U, ev.u),
    record: (r) => countRecord(into, r),
    bad() {},
  };
}
