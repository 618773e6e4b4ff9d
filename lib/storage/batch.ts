/**
 * The lines of a day file waiting to become the next gzip member, with their counts.
 *
 * @module
 */
import type { RecordingRecord } from "../recording/records.ts";
import { addCounts, emptyCounts, type RecordCounts } from "../recording/record_counts.ts";

/** Serialized lines not yet written, and what they hold. */
export interface Batch {
  lines: string[];
  /** Sum of the lines' lengths (UTF-16 units; the JSON is ASCII but for rare symbols). */
  chars: number;
  /** Records other than headers. */
  records: number;
  counts: RecordCounts;
  /**
   * Last update id the lines make known (`u` of an event or bookTicker, `lastUpdateId` of a
   * snapshot, `t` of a trade, `a` of an aggTrade).
   */
  lastUpdateId: number | null;
}

/** An empty batch. */
export function emptyBatch(): Batch {
  return { lines: [], chars: 0, records: 0, counts: emptyCounts(), lastUpdateId: null };
}

/** Appends `record`, already serialized as `line`. */
export function addToBatch(batch: Batch, record: RecordingRecord, line: string): void {
  batch.lines.push(line);
  batch.chars += line.length + 1;
  const counts = batch.counts;
  switch (record.type) {
    case "depthUpdate":
      batch.records++;
      counts.events++;
      counts.firstUpdateId ??= record.U;
      counts.lastUpdateId = record.u;
      batch.lastUpdateId = record.u;
      break;
    case "snapshot":
      batch.records++;
      counts.snapshots++;
      batch.lastUpdateId = record.lastUpdateId;
      break;
    case "gap":
      batch.records++;
      counts.gaps++;
      break;
    case "clock":
      batch.records++;
      break;
    case "trade":
    case "aggTrade":
    case "bookTicker": {
      // In the file of another stream the events are these, their ids `t`, `a`, `u`
      // (as `countRecord` of record_counts.ts counts them).
      const id = record.type === "trade"
        ? record.t
        : record.type === "aggTrade"
        ? record.a
        : record.u;
      batch.records++;
      counts.events++;
      counts.firstUpdateId ??= id;
      counts.lastUpdateId = id;
      batch.lastUpdateId = id;
      break;
    }
  }
}

/** `first` followed by `second`, as one batch. */
export function concatBatches(first: Batch, second: Batch): Batch {
  const counts = emptyCounts();
  addCounts(counts, first.counts);
  addCounts(counts, second.counts);
  return {
    lines: first.lines.concat(second.lines),
    chars: first.chars + second.chars,
    records: first.records + second.records,
    counts,
    lastUpdateId: second.lastUpdateId ?? first.lastUpdateId,
  };
}
