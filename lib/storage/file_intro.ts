/**
 * The lines that begin a day file when a process first writes to it: header, `restart` or `crash`
 * gap, book snapshot or `start` gap.
 *
 * @module
 */
import type { StreamKind } from "../binance/types.ts";
import { addToBatch, type Batch, emptyBatch } from "./batch.ts";
import type { RecordFactory } from "../recording/record_factory.ts";
import {
  type RecordingRecord,
  serializeRecord,
  type SnapshotRecord,
} from "../recording/records.ts";
import type { TailRepair } from "./tail_repair.ts";

/** How a file begins, captured when the recorder started it (at the rotation point). */
export interface FileIntro {
  /** Clock when the file was started: `recv` of the header and the records after it. */
  recv: number;
  /** The in-sync book at that point, or `null`. */
  book: SnapshotRecord | null;
  /** Write a `start` gap when the file is new and there is no book (not when a gap opened it). */
  startGap: boolean;
  /** Last update id known before the file, for that `start` gap. */
  lastUpdateId: number | null;
}

/**
 * The lines a process writes first into a day file: the header; then, if the file already held
 * data, a `restart` gap (or `crash` when a torn tail was cut); then the book snapshot, or for a
 * new file without a book a `start` gap.
 */
export function introBatch(
  factory: RecordFactory,
  file: { symbol: string; day: string; stream?: StreamKind; intro: FileIntro },
  repair: TailRepair,
): Batch {
  const batch = emptyBatch();
  const add = (record: RecordingRecord) => addToBatch(batch, record, serializeRecord(record));
  const { recv, book, startGap, lastUpdateId } = file.intro;
  add(factory.header(file.symbol, file.day, recv, file.stream));
  if (repair.existed) {
    const crash = repair.cut > 0;
    const detail = crash
      ? `cut ${repair.cut} bytes of an incomplete gzip member`
      : "a new process appends to this file";
    add(factory.gap(crash ? "crash" : "restart", repair.lastUpdateId, detail, recv));
  }
  if (book) add(book);
  else if (!repair.existed && startGap) {
    add(factory.gap("start", lastUpdateId, "no book known when the file began", recv));
  }
  return batch;
}
