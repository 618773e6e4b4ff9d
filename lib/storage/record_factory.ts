/**
 * The records the recorder writes itself (headers, gaps, "book" snapshots), stamped with its
 * clock, and the lines that begin a file when a process first writes to it.
 *
 * @module
 */
import type { DepthSnapshot } from "../binance/types.ts";
import { addToBatch, type Batch, emptyBatch } from "./batch.ts";
import {
  FORMAT_VERSION,
  type GapReason,
  type GapRecord,
  type HeaderRecord,
  type RecordingRecord,
  serializeRecord,
  type SnapshotRecord,
} from "./records.ts";
import type { TailRepair } from "./tail_repair.ts";

/** Makes headers, gaps and "book" snapshots. */
export class RecordFactory {
  readonly #collector: string;
  readonly #streamName: (symbol: string) => string;
  readonly #now: () => number;

  /** A factory for headers naming `collector` and each symbol's stream. */
  constructor(
    collector: string,
    options: { streamName: (symbol: string) => string; now: () => number },
  ) {
    this.#collector = collector;
    this.#streamName = options.streamName;
    this.#now = options.now;
  }

  /** The current clock. */
  now(): number {
    return this.#now();
  }

  /** The header of a symbol's day file. */
  header(symbol: string, day: string, recv = this.#now()): HeaderRecord {
    return {
      type: "header",
      format: FORMAT_VERSION,
      exchange: "binance",
      market: "spot",
      symbol,
      date: day,
      collector: this.#collector,
      recv,
      stream: this.#streamName(symbol),
    };
  }

  /** A gap record. */
  gap(
    reason: GapReason,
    lastUpdateId: number | null,
    detail?: string,
    recv = this.#now(),
  ): GapRecord {
    const gap: GapRecord = { type: "gap", recv, lastUpdateId, reason };
    if (detail !== undefined) gap.detail = detail;
    return gap;
  }

  /** A "book" snapshot of `book`, or `null` when out of sync. */
  snapshot(book: DepthSnapshot | null): SnapshotRecord | null {
    if (book === null) return null;
    const { lastUpdateId, bids, asks } = book;
    return { type: "snapshot", recv: this.#now(), lastUpdateId, bids, asks, source: "book" };
  }
}

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
  file: { symbol: string; day: string; intro: FileIntro },
  repair: TailRepair,
): Batch {
  const batch = emptyBatch();
  const add = (record: RecordingRecord) => addToBatch(batch, record, serializeRecord(record));
  const { recv, book, startGap, lastUpdateId } = file.intro;
  add(factory.header(file.symbol, file.day, recv));
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
