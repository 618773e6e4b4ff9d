/**
 * The records a writer makes itself (headers, gaps, "book" snapshots), stamped with its clock: with
 * `depthUpdateRecord` and `snapshotRecord` (`records.ts`), the only builders of records.
 *
 * @module
 */
import type { DepthSnapshot, Market, StreamKind } from "../binance/types.ts";
import { streamNameOf } from "../binance/urls.ts";
import {
  FORMAT_VERSION,
  type GapReason,
  type GapRecord,
  type HeaderRecord,
  type SnapshotRecord,
  snapshotRecord,
} from "./records.ts";

/** Makes headers, gaps and "book" snapshots. */
export class RecordFactory {
  readonly #collector: string;
  readonly #streamName: (symbol: string) => string;
  readonly #now: () => number;
  /** The market its headers name. */
  readonly market: Market;

  /** A factory for headers naming `collector`, the market (spot by default) and each stream. */
  constructor(
    collector: string,
    options: { streamName: (symbol: string) => string; now: () => number; market?: Market },
  ) {
    this.#collector = collector;
    this.#streamName = options.streamName;
    this.#now = options.now;
    this.market = options.market ?? "spot";
  }

  /** The current clock. */
  now(): number {
    return this.#now();
  }

  /**
   * The header of a symbol's day file of stream `kind` (depth: the configured stream name;
   * others: e.g. `"btcusdt@trade"`).
   */
  header(
    symbol: string,
    day: string,
    recv = this.#now(),
    kind: StreamKind = "depth",
  ): HeaderRecord {
    return {
      type: "header",
      format: FORMAT_VERSION,
      exchange: "binance",
      market: this.market,
      symbol,
      date: day,
      collector: this.#collector,
      recv,
      stream: kind === "depth" ? this.#streamName(symbol) : streamNameOf(symbol, kind, "100ms"),
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
    return book === null ? null : snapshotRecord(book, this.#now(), "book");
  }
}
