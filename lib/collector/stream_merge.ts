/**
 * One symbol's trade, aggTrade or bookTicker stream, recorded once from every connection carrying
 * it (its feeds), as `FeedMerge` does for depth, but without a book or snapshots:
 *
 * - `trade` and `aggTrade`: an event is taken from whichever feed brings it first, by its id (`t`,
 *   `a`: consecutive for a symbol, and each connection delivers them in order); one whose id is not
 *   above the last one taken is a copy from a slower feed and is dropped. A hole in the ids is not
 *   a gap by itself.
 * - `bookTicker`: in arrival order; an event that exactly repeats (`u`, `b`, `B`, `a`, `A`) one of
 *   the last {@linkcode RECENT_TICKERS} taken is another feed's copy and is dropped.
 *
 * When the last feed goes, continuity is lost: a `disconnect` gap whose `lastUpdateId` is the last
 * id taken (`t`, `a`, or `u`). The frame path: `FrameRouter` → {@linkcode StreamMerge.take}
 * (validated here with `lib/binance/parse.ts`) → `RecordSink.write(symbol, record, …, kind)`.
 *
 * @module
 */
import { asAggTrade, asBookTicker, asTrade, FrameError } from "../binance/parse.ts";
import type { StreamKind } from "../binance/types.ts";
import {
  aggTradeRecord,
  bookTickerRecord,
  type GapRecord,
  type RecordingRecord,
  tradeRecord,
} from "../recording/records.ts";
import type { Logger } from "../util/log.ts";
import type { Feed } from "./feed_merge.ts";
import type { RecordSink } from "./sink.ts";

/** The streams a {@linkcode StreamMerge} records: every kind but depth. */
export type RecordedStream = Exclude<StreamKind, "depth">;

/** bookTickers remembered to recognize another feed's copy. */
export const RECENT_TICKERS = 256;

/** Counters of one symbol's stream. */
export interface StreamStats {
  /** Events recorded. */
  recorded: number;
  /** Copies from a slower feed, dropped. */
  duplicates: number;
  /** `disconnect` gaps recorded. */
  gaps: number;
}

/** What a {@linkcode StreamMerge} needs from its surroundings. */
export interface StreamMergeContext {
  /** Where records go. */
  sink: RecordSink;
  /** Local receive time for the gaps it makes. */
  recvNow(): number;
  /** Gap lines (rate-limited by the caller). */
  gapLog: Logger;
}

/** One symbol's stream of `kind`, merged from its feeds and recorded. */
export class StreamMerge {
  readonly stats: StreamStats = { recorded: 0, duplicates: 0, gaps: 0 };
  #feeds = new Set<Feed>();
  /** Last id taken: `t`, `a`, or a bookTicker's `u`. */
  #lastId: number | null = null;
  /** Continuity is already marked lost (or never was known): no second gap. */
  #broken = true;
  #recent = new Set<string>();
  #recentOrder: string[] = [];

  /** A merge of `symbol`'s `kind` stream writing through `ctx.sink`. */
  constructor(
    readonly symbol: string,
    readonly kind: RecordedStream,
    readonly ctx: StreamMergeContext,
  ) {}

  /** Last id taken, or `null`. */
  get lastId(): number | null {
    return this.#lastId;
  }

  /**
   * One event of the stream from `feed`, received at `recv`: checked, then recorded unless it is
   * a copy. Throws {@linkcode FrameError} for a malformed event or one of another symbol.
   */
  take(_feed: Feed, data: unknown, recv: number): void {
    const record = this.#record(data, recv);
    if (record === null) {
      this.stats.duplicates++;
      return;
    }
    this.#broken = false;
    this.stats.recorded++;
    this.ctx.sink.write(this.symbol, record, () => null, this.kind);
  }

  /** `feed` now carries the stream. */
  attach(feed: Feed): void {
    this.#feeds.add(feed);
  }

  /** `feed` no longer carries the stream; when it was the last, continuity is lost (a gap). */
  detach(feed: Feed, detail: string): void {
    if (!this.#feeds.delete(feed) || this.#feeds.size > 0 || this.#broken) return;
    this.#broken = true;
    this.stats.gaps++;
    const gap: GapRecord = {
      type: "gap",
      recv: this.ctx.recvNow(),
      lastUpdateId: this.#lastId,
      reason: "disconnect",
      detail,
    };
    this.ctx.sink.write(this.symbol, gap, () => null, this.kind);
    this.ctx.gapLog.info(`Gap in ${this.symbol} ${this.kind}: disconnect (${detail})`, {
      symbol: this.symbol,
      stream: this.kind,
      reason: "disconnect",
      lastUpdateId: this.#lastId,
    });
  }

  /** The record of `data`, or `null` when it is a copy of one taken. */
  #record(data: unknown, recv: number): RecordingRecord | null {
    switch (this.kind) {
      case "trade": {
        const event = asTrade(data);
        this.#checkSymbol(event.s);
        if (!this.#newId(event.t)) return null;
        return tradeRecord(event, recv);
      }
      case "aggTrade": {
        const event = asAggTrade(data);
        this.#checkSymbol(event.s);
        if (!this.#newId(event.a)) return null;
        return aggTradeRecord(event, recv);
      }
      case "bookTicker": {
        const event = asBookTicker(data);
        this.#checkSymbol(event.s);
        const key = `${event.u}|${event.b}|${event.B}|${event.a}|${event.A}`;
        if (this.#recent.has(key)) return null;
        this.#recent.add(key);
        this.#recentOrder.push(key);
        if (this.#recentOrder.length > RECENT_TICKERS) {
          this.#recent.delete(this.#recentOrder.shift()!);
        }
        this.#lastId = event.u;
        return bookTickerRecord(event, recv);
      }
    }
  }

  /** Takes `id` when it is above the last one taken. */
  #newId(id: number): boolean {
    if (this.#lastId !== null && id <= this.#lastId) return false;
    this.#lastId = id;
    return true;
  }

  #checkSymbol(s: string): void {
    if (s !== this.symbol) {
      throw new FrameError(`${this.kind} event of ${s} on ${this.symbol}'s stream`);
    }
  }
}
