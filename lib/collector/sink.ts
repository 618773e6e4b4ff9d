/**
 * Where the collector's records go: the {@linkcode RecordSink} interface (the storage `Recorder`
 * satisfies it) and an in-memory sink for tests and benchmarks.
 *
 * @module
 */
import type { DepthSnapshot, StreamKind } from "../binance/types.ts";
import type { RecordingRecord } from "../recording/records.ts";

/**
 * Accepts records in arrival order, per symbol. `book` gives the symbol's in-sync book as it was
 * before the record's event (or `null` when out of sync); it is called only when needed.
 */
export interface RecordSink {
  /**
   * Accepts one record of the symbol's `stream` (depth when omitted; each stream is its own
   * series of records); synchronous and cheap.
   */
  write(
    symbol: string,
    record: RecordingRecord,
    book: () => DepthSnapshot | null,
    stream?: StreamKind,
  ): void;
}

/** Keeps every record in memory, per symbol, in order. */
export class MemorySink implements RecordSink {
  /** Records per symbol (depth; `SYMBOL@stream` for the others), in the order written. */
  readonly records = new Map<string, RecordingRecord[]>();

  /** Appends `record` to its symbol's (and stream's) list. */
  write(
    symbol: string,
    record: RecordingRecord,
    _book?: () => DepthSnapshot | null,
    stream: StreamKind = "depth",
  ): void {
    const key = stream === "depth" ? symbol : `${symbol}@${stream}`;
    let list = this.records.get(key);
    if (list === undefined) this.records.set(key, list = []);
    list.push(record);
  }

  /** Records of `symbol`'s `stream` (empty when none). */
  of(symbol: string, stream: StreamKind = "depth"): RecordingRecord[] {
    return this.records.get(stream === "depth" ? symbol : `${symbol}@${stream}`) ?? [];
  }
}

/** Counts records without keeping them (benchmarks measure the collector, not a store). */
export class CountingSink implements RecordSink {
  /** Records written. */
  count = 0;

  /** Counts one record. */
  write(): void {
    this.count++;
  }
}
