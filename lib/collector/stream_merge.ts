/**
 * One symbol's trade, aggTrade or bookTicker stream, recorded once from every connection carrying
 * it (its feeds), as `FeedMerge` does for depth, but without a book or snapshots:
 *
 * - `trade` and `aggTrade`: their ids (`t`, `a`) are consecutive for a symbol, so they go through
 *   a {@linkcode FeedMerge} like depth events (each trade an event with `U = u = id`): taken once
 *   from whichever feed brings it first; one after a hole is held while another feed may still
 *   fill it; a hole no feed fills is recorded as a `sequence` gap (`expected t=… got t=…`), and
 *   one left when a feed goes as a `disconnect` gap. No trade is lost without a gap.
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
import { type Feed, FeedMerge, type RunTarget } from "./feed_merge.ts";
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
  /** Gaps recorded (`disconnect`, and for trades `sequence`). */
  gaps: number;
  /** Trade streams: replacement connections that caught up (see `FeedMerge`). */
  handoffs: number;
}

/** What a {@linkcode StreamMerge} needs from its surroundings. */
export interface StreamMergeContext {
  /** Where records go. */
  sink: RecordSink;
  /** Local receive time for the gaps it makes. */
  recvNow(): number;
  /** Gap lines (rate-limited by the caller). */
  gapLog: Logger;
  /** Longest a trade is held for another feed to fill the hole before it, ms; 5000 default. */
  holdMs?: number;
  /** Most trades held per feed behind a hole; 10,000 default. */
  maxHeld?: number;
  /** Clock, ms, for the hold. */
  now?: () => number;
}

/** A trade or aggTrade as the merge sees it: one id, its time, and its record. */
interface TradeEvent {
  U: number;
  u: number;
  E: number;
  record: RecordingRecord;
}

/** One symbol's stream of `kind`, merged from its feeds and recorded. */
export class StreamMerge {
  readonly stats: StreamStats = { recorded: 0, duplicates: 0, gaps: 0, handoffs: 0 };
  #feeds = new Set<Feed>();
  /** Last id taken: `t`, `a`, or a bookTicker's `u`. */
  #lastId: number | null = null;
  /** Continuity is already marked lost (or never was known): no second gap. */
  #broken = true;
  #recent = new Set<string>();
  #recentOrder: string[] = [];
  /** Trades and aggTrades: their merge by id (bookTickers have no consecutive id). */
  #merge: FeedMerge<TradeEvent> | null = null;

  /** A merge of `symbol`'s `kind` stream writing through `ctx.sink`. */
  constructor(
    readonly symbol: string,
    readonly kind: RecordedStream,
    readonly ctx: StreamMergeContext,
  ) {
    if (kind === "bookTicker") return;
    this.#merge = new FeedMerge<TradeEvent>(symbol, this.#tradeRun(), {
      maxHeld: ctx.maxHeld ?? 10_000,
      holdMs: ctx.holdMs ?? 5000,
      ...(ctx.now ? { now: ctx.now } : {}),
      stats: this.stats,
    });
  }

  /** Last id taken, or `null`. */
  get lastId(): number | null {
    return this.#lastId;
  }

  /**
   * One event of the stream from `feed`, received at `recv`: checked, then recorded unless it is
   * a copy. Throws {@linkcode FrameError} for a malformed event or one of another symbol.
   */
  take(feed: Feed, data: unknown, recv: number): void {
    if (this.#merge !== null) {
      this.#merge.onEvent(feed, this.#trade(data, recv), recv);
      return;
    }
    const record = this.#ticker(data, recv);
    if (record === null) this.stats.duplicates++;
    else this.#write(record);
  }

  /** `feed` now carries the stream. */
  attach(feed: Feed): void {
    this.#feeds.add(feed);
    this.#merge?.attach(feed);
  }

  /**
   * `feed` no longer carries the stream; when it was the last, continuity is lost (a gap); a
   * trade held for it to fill a hole is taken across a `disconnect` gap.
   */
  detach(feed: Feed, detail: string): void {
    if (this.#merge !== null) {
      this.#feeds.delete(feed);
      this.#merge.detach(feed, detail);
      return;
    }
    if (!this.#feeds.delete(feed) || this.#feeds.size > 0 || this.#broken) return;
    this.#gap("disconnect", detail);
  }

  #gap(reason: "disconnect" | "sequence", detail: string): void {
    this.#broken = true;
    this.stats.gaps++;
    const gap: GapRecord = {
      type: "gap",
      recv: this.ctx.recvNow(),
      lastUpdateId: this.#lastId,
      reason,
      detail,
    };
    this.ctx.sink.write(this.symbol, gap, () => null, this.kind);
    this.ctx.gapLog.info(`Gap in ${this.symbol} ${this.kind}: ${reason} (${detail})`, {
      symbol: this.symbol,
      stream: this.kind,
      reason,
      lastUpdateId: this.#lastId,
    });
  }

  #write(record: RecordingRecord): void {
    this.#broken = false;
    this.stats.recorded++;
    this.ctx.sink.write(this.symbol, record, () => null, this.kind);
  }

  /** The run a trade merge feeds: ids continue by one, else a gap; records in id order. */
  #tradeRun(): RunTarget<TradeEvent> {
    const name = this.kind === "trade" ? "t" : "a";
    // deno-lint-ignore no-this-alias
    const merge = this;
    return {
      get lastSeenU() {
        return merge.#broken ? null : merge.#lastId;
      },
      accept: (event) => {
        const last = this.#broken ? null : this.#lastId;
        if (last !== null && event.U !== last + 1) {
          this.#gap("sequence", `expected ${name}=${last + 1} got ${name}=${event.U}`);
        }
        this.#lastId = event.u;
        this.#write(event.record);
      },
      lose: (_reason, detail) => {
        if (!this.#broken) this.#gap("disconnect", detail);
      },
      carryOver: () => {}, // single ids never overlap
      onAttached: () => {},
      onDisconnected: (detail) => {
        if (!this.#broken) this.#gap("disconnect", detail);
      },
    };
  }

  /** A trade or aggTrade as the merge takes it; throws {@linkcode FrameError}. */
  #trade(data: unknown, recv: number): TradeEvent {
    if (this.kind === "trade") {
      const event = asTrade(data);
      this.#checkSymbol(event.s);
      return { U: event.t, u: event.t, E: event.E, record: tradeRecord(event, recv) };
    }
    const event = asAggTrade(data);
    this.#checkSymbol(event.s);
    return { U: event.a, u: event.a, E: event.E, record: aggTradeRecord(event, recv) };
  }

  /** The record of a bookTicker, or `null` when it is a copy of one taken. */
  #ticker(data: unknown, recv: number): RecordingRecord | null {
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

  #checkSymbol(s: string): void {
    if (s !== this.symbol) {
      throw new FrameError(`${this.kind} event of ${s} on ${this.symbol}'s stream`);
    }
  }
}
