/**
 * Who listens to which stream, and the publication of events to them: 100 ms depth events as they
 * come, 1000 ms ones aggregated, bookTicker, one trade and one aggTrade after each synthetic event
 * (consecutive ids per symbol, at the best bid), recorded frames as they are, and the fault frames (withheld event, corrupted event, malformed frame, unknown stream,
 * unsubscribed symbol).
 *
 * @module
 */
import type { AggTrade, DepthUpdate, Trade } from "../binance/types.ts";
import { DepthAggregator } from "./depth_aggregator.ts";
import type { DepthHistory } from "./depth_history.ts";
import type { SimulatorStats } from "./options.ts";
import type { StreamConnection } from "./stream_connection.ts";

/** What the hub needs. */
export interface StreamHubOptions {
  histories: Map<string, DepthHistory>;
  now(): number;
  stats: SimulatorStats;
  /** Publish a bookTicker, a trade and an aggTrade after each depth event (synthetic market). */
  bookTicker: boolean;
}

/** First trade id of a synthetic symbol (aggTrade ids start at a tenth of it). */
const FIRST_TRADE_ID = 1_000_000;

/** Subscriptions and publication. */
export class StreamHub {
  #subscribers = new Map<string, Set<StreamConnection>>();
  #aggregators = new Map<string, DepthAggregator>();
  #withheld = new Set<string>();
  /** Symbols whose next event goes out corrupted, to these connections (`null`: all). */
  #corrupted = new Map<string, ReadonlySet<number> | null>();
  /** Symbols whose next trade goes out with an unusable price, to these connections (`null`: all). */
  #corruptedTrades = new Map<string, ReadonlySet<number> | null>();
  /** Ids of each synthetic symbol's last trade and aggTrade. */
  #tradeIds = new Map<string, { t: number; a: number }>();
  #options: StreamHubOptions;

  /** Creates an empty hub. */
  constructor(options: StreamHubOptions) {
    this.#options = options;
  }

  /** Registers `connection` on `stream`. */
  subscribe(connection: StreamConnection, stream: string): void {
    let set = this.#subscribers.get(stream);
    if (!set) this.#subscribers.set(stream, set = new Set());
    set.add(connection);
  }

  /** Unregisters `connection` from `stream`. */
  unsubscribe(connection: StreamConnection, stream: string): void {
    const set = this.#subscribers.get(stream);
    set?.delete(connection);
    if (set?.size === 0) this.#subscribers.delete(stream);
  }

  /** The symbol's next event will be withheld. */
  withhold(symbol: string): void {
    this.#withheld.add(symbol);
  }

  /**
   * The symbol's next 100 ms event goes out with an unusable price (`"12.3x"`) to the connections
   * of `ids` (every connection when omitted), intact to the others; its ids are consumed.
   */
  corrupt(symbol: string, ids?: readonly number[]): void {
    this.#corrupted.set(symbol, ids === undefined ? null : new Set(ids));
  }

  /**
   * The symbol's next trade goes out with an unusable price (`"12.3x"`) to the connections of
   * `ids` (every connection when omitted), intact to the others; its id is consumed.
   */
  corruptTrade(symbol: string, ids?: readonly number[]): void {
    this.#corruptedTrades.set(symbol, ids === undefined ? null : new Set(ids));
  }

  /** Ids of the symbol's last synthetic trade and aggTrade, or `null` before the first. */
  lastTradeIds(symbol: string): { t: number; a: number } | null {
    const ids = this.#tradeIds.get(symbol);
    return ids ? { ...ids } : null;
  }

  /**
   * Publishes a synthetic event: 100 ms stream, 1000 ms aggregate, bookTicker; then a trade and
   * an aggTrade (also when the depth event is withheld: trades do not depend on it).
   */
  publishDepth(event: DepthUpdate): void {
    if (this.#publishFast(event, `${event.s.toLowerCase()}@depth@100ms`)) {
      if (this.#options.bookTicker) this.#publishBookTicker(event);
    }
    if (this.#options.bookTicker) this.#publishTrades(event);
  }

  /**
   * Publishes a replayed event on `@depth@100ms` (a futures `@depth@0ms` recording: on its own
   * stream, pu untouched); 1000 ms aggregates follow the recorded event-time seconds.
   */
  publishReplayDepth(event: DepthUpdate, recorded = ""): void {
    const aggregator = this.#aggregators.get(event.s);
    if (
      aggregator && aggregator.firstEventTime !== null &&
      Math.floor(aggregator.firstEventTime / 1000) !== Math.floor(event.E / 1000)
    ) this.#flushOne(aggregator, event.E);
    const stream = recorded.endsWith("@depth@0ms")
      ? recorded
      : `${event.s.toLowerCase()}@depth@100ms`;
    this.#publishFast(event, stream);
  }

  /** Publishes any recorded frame to the listeners of its stream. */
  publishFrame(stream: string, data: unknown): void {
    this.#send(stream, data);
  }

  /** Sends every pending 1000 ms aggregate with event time `E`. */
  flushSlow(E: number): void {
    for (const aggregator of this.#aggregators.values()) this.#flushOne(aggregator, E);
  }

  /** A text frame cut in the middle of its JSON, for a connection's first stream. */
  malformedFrame(connection: StreamConnection): string {
    const stream = connection.streams[0] ?? "btcusdt@depth@100ms";
    return `{"stream":"${stream}","data":{"e":"depthUpdate","E":${this.#options.now()},"s":"`;
  }

  /** A well-formed depth frame of a symbol that does not exist. */
  unknownStreamFrame(connection: StreamConnection): string {
    const data: DepthUpdate = {
      e: "depthUpdate",
      E: this.#options.now(),
      s: "ZZZNOSYMBOL",
      U: 1,
      u: 2,
      b: [["1.00000000", "1.00000000"]],
      a: [],
    };
    return connection.combined
      ? JSON.stringify({ stream: "zzznosymbol@depth@100ms", data })
      : JSON.stringify(data);
  }

  /** The latest real event of a symbol the connection does not listen to, or `null`. */
  unsubscribedSymbolFrame(connection: StreamConnection): string | null {
    for (const [symbol, history] of this.#options.histories) {
      const stream = `${symbol.toLowerCase()}@depth@100ms`;
      const event = history.events.at(-1);
      if (connection.has(stream) || !event) continue;
      return connection.combined ? JSON.stringify({ stream, data: event }) : JSON.stringify(event);
    }
    return null;
  }

  #publishFast(event: DepthUpdate, stream: string): boolean {
    const lower = event.s.toLowerCase();
    const slow = this.#subscribers.has(`${lower}@depth@1000ms`) ||
      this.#subscribers.has(`${lower}@depth`);
    let aggregator = this.#aggregators.get(event.s);
    if (slow && !aggregator) {
      this.#aggregators.set(event.s, aggregator = new DepthAggregator(event.s));
    }
    if (this.#withheld.delete(event.s)) {
      this.#options.stats.eventsWithheld++;
      aggregator?.split();
      return false;
    }
    this.#options.stats.eventsPublished++;
    if (this.#corrupted.has(event.s)) {
      const ids = this.#corrupted.get(event.s)!;
      this.#corrupted.delete(event.s);
      this.#options.stats.eventsCorrupted++;
      const bad: DepthUpdate = { ...event, b: [["12.3x", "1.00000000"], ...event.b] };
      this.#send(stream, bad, (c) => ids === null || ids.has(c.id));
      if (ids !== null) this.#send(stream, event, (c) => !ids.has(c.id));
    } else this.#send(stream, event);
    if (slow) aggregator!.add(event);
    return true;
  }

  #flushOne(aggregator: DepthAggregator, E: number): void {
    if (aggregator.empty) return;
    const lower = aggregator.symbol.toLowerCase();
    for (const event of aggregator.take(E)) {
      this.#send(`${lower}@depth@1000ms`, event);
      this.#send(`${lower}@depth`, event);
    }
  }

  #publishBookTicker(event: DepthUpdate): void {
    const stream = `${event.s.toLowerCase()}@bookTicker`;
    if (!this.#subscribers.has(stream)) return;
    const book = this.#options.histories.get(event.s)?.current;
    if (!book) return;
    const [b, B] = best(book.bids, true);
    const [a, A] = best(book.asks, false);
    this.#send(stream, { u: event.u, s: event.s, b, B, a, A });
  }

  /** One trade and one aggTrade of the symbol at its best bid, ids consecutive. */
  #publishTrades(event: DepthUpdate): void {
    let ids = this.#tradeIds.get(event.s);
    if (!ids) {
      this.#tradeIds.set(event.s, ids = { t: FIRST_TRADE_ID - 1, a: FIRST_TRADE_ID / 10 - 1 });
    }
    ids.t++;
    ids.a++;
    const lower = event.s.toLowerCase();
    const tradeStream = `${lower}@trade`;
    const aggStream = `${lower}@aggTrade`;
    const corrupt = this.#corruptedTrades.has(event.s);
    if (!corrupt && !this.#subscribers.has(tradeStream) && !this.#subscribers.has(aggStream)) {
      return;
    }
    const book = this.#options.histories.get(event.s)?.current;
    const [p] = book ? best(book.bids, true) : ["1.00000000"];
    const q = `0.${String(1 + (ids.t % 997)).padStart(8, "0")}`;
    const T = event.E;
    const m = ids.t % 2 === 0;
    const trade: Trade = { e: "trade", E: event.E, s: event.s, t: ids.t, p: p!, q, T, m, M: true };
    if (corrupt) {
      const to = this.#corruptedTrades.get(event.s)!;
      this.#corruptedTrades.delete(event.s);
      this.#send(tradeStream, { ...trade, p: "12.3x" }, (c) => to === null || to.has(c.id));
      if (to !== null) this.#send(tradeStream, trade, (c) => !to.has(c.id));
    } else this.#send(tradeStream, trade);
    const agg: AggTrade = {
      e: "aggTrade",
      E: event.E,
      s: event.s,
      a: ids.a,
      p: p!,
      q,
      f: ids.t,
      l: ids.t,
      T,
      m,
      M: true,
    };
    this.#send(aggStream, agg);
  }

  #send(stream: string, data: unknown, to?: (c: StreamConnection) => boolean): void {
    const set = this.#subscribers.get(stream);
    if (!set || set.size === 0) return;
    const raw = JSON.stringify(data);
    const combined = `{"stream":"${stream}","data":${raw}}`;
    for (const connection of set) if (!to || to(connection)) connection.deliver(raw, combined);
  }
}

/** The best level of one side (`higher`: bids), or zeros when the side is empty. */
function best(m: Map<string, string>, higher: boolean): [string, string] {
  let price: string | null = null;
  let n = higher ? -Infinity : Infinity;
  for (const p of m.keys()) {
    const v = Number(p);
    if (higher ? v > n : v < n) {
      n = v;
      price = p;
    }
  }
  return price === null ? ["0.00000000", "0.00000000"] : [price, m.get(price)!];
}
