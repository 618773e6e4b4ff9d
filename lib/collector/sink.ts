/**
 * Where the collector's records go: the {@linkcode RecordSink} interface (the storage `Recorder`
 * satisfies it) and an in-memory sink for tests and benchmarks.
 *
 * @module
 */
import type { DepthSnapshot } from "../binance/types.ts";
import type { RecordingRecord } from "../recording/records.ts";

/**
 * Accepts records in arrival order, per symbol. `book` gives the symbol's in-sync book as it was
 * before the record's event (or `null` when out of sync); it is called only when needed.
 */
export interface RecordSink {
  /** Accepts one record; synchronous and cheap. */
  write(symbol: string, record: RecordingRecord, book: () => DepthSnapshot | null): void;
}

/** Keeps every record in memory, per symbol, in order. */
export class MemorySink implements RecordSink {
  /** Records per symbol, in the order written. */
  readonly records = new Map<string, RecordingRecord[]>();

  /** Appends `record` to its symbol's list. */
  write(symbol: string, record: RecordingRecord): void {
    let list = this.records.get(symbol);
    if (list === undefined) this.records.set(symbol, list = []);
    list.push(record);
  }

  /** Records of `symbol` (empty when none). */
  of(symbol: string): RecordingRecord[] {
    return this.records.get(symbol) ?? [];
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
