/**
 * Wire types of Binance spot market data, exactly as the exchange sends them.
 *
 * Prices and quantities stay the exchange's decimal strings everywhere; numbers are derived only
 * where ordering needs them (see `lib/book/`).
 *
 * @module
 */

/** One price level: `[price, quantity]` as decimal strings, e.g. `["61837.63000000", "3.78826000"]`. */
export type PriceLevel = [price: string, quantity: string];

/** Which of Binance's markets: spot, or USDⓈ-M futures (`fstream`, `/fapi`). */
export type Market = "spot" | "usdm";

/**
 * A `<symbol>@depth` diff event (`"e": "depthUpdate"`). USDⓈ-M futures events also carry `T` and
 * `pu`; spot events carry neither.
 */
export interface DepthUpdate {
  /** Event type, always `"depthUpdate"`. */
  e: "depthUpdate";
  /** Event time, exchange clock, epoch milliseconds. */
  E: number;
  /** Futures: transaction time, epoch milliseconds. */
  T?: number;
  /** Symbol in upper case, e.g. `"BTCUSDT"`. */
  s: string;
  /** First update id in this event. */
  U: number;
  /** Final update id in this event. */
  u: number;
  /** Futures: final update id of the previous event (`u` of the one before); continuity. */
  pu?: number;
  /** Bid levels to update; quantity `"0.00000000"` removes the level. */
  b: PriceLevel[];
  /** Ask levels to update; quantity `"0.00000000"` removes the level. */
  a: PriceLevel[];
}

/** The body of `GET /api/v3/depth` (spot) or `GET /fapi/v1/depth` (futures: with `E`, `T`). */
export interface DepthSnapshot {
  /** Update id the snapshot is consistent with. */
  lastUpdateId: number;
  /** Futures: message output time, epoch ms. */
  E?: number;
  /** Futures: transaction time, epoch ms. */
  T?: number;
  /** Bids, best (highest) first. */
  bids: PriceLevel[];
  /** Asks, best (lowest) first. */
  asks: PriceLevel[];
}

/** A `<symbol>@bookTicker` event: the exchange's own best bid and ask. */
export interface BookTicker {
  /** Order book update id this ticker reflects. */
  u: number;
  /** Symbol in upper case. */
  s: string;
  /** Best bid price. */
  b: string;
  /** Best bid quantity. */
  B: string;
  /** Best ask price. */
  a: string;
  /** Best ask quantity. */
  A: string;
}

/** A `<symbol>@trade` event: one trade (`"e": "trade"`). */
export interface Trade {
  /** Event type, always `"trade"`. */
  e: "trade";
  /** Event time, epoch ms. */
  E: number;
  /** Symbol in upper case. */
  s: string;
  /** Trade id; consecutive for a symbol. */
  t: number;
  /** Price. */
  p: string;
  /** Quantity. */
  q: string;
  /** Trade time, epoch ms. */
  T: number;
  /** Whether the buyer is the market maker. */
  m: boolean;
  /** Ignored by the exchange's clients ("M"). */
  M?: boolean;
}

/** A `<symbol>@aggTrade` event: trades of one taker order at one price (`"e": "aggTrade"`). */
export interface AggTrade {
  /** Event type, always `"aggTrade"`. */
  e: "aggTrade";
  /** Event time, epoch ms. */
  E: number;
  /** Symbol in upper case. */
  s: string;
  /** Aggregate trade id; consecutive for a symbol. */
  a: number;
  /** Price. */
  p: string;
  /** Quantity. */
  q: string;
  /** First trade id. */
  f: number;
  /** Last trade id. */
  l: number;
  /** Trade time, epoch ms. */
  T: number;
  /** Whether the buyer is the market maker. */
  m: boolean;
  /** Ignored by the exchange's clients ("M"). */
  M?: boolean;
}

/** The kinds of per-symbol stream the collector can record. */
export type StreamKind = "depth" | "trade" | "aggTrade" | "bookTicker";

/** Every {@linkcode StreamKind}, depth first. */
export const STREAM_KINDS: readonly StreamKind[] = ["depth", "trade", "aggTrade", "bookTicker"];

/** A combined-stream frame: `{"stream": "btcusdt@depth@100ms", "data": {…}}`. */
export interface CombinedFrame<T = unknown> {
  /** Stream name, lower-case symbol first. */
  stream: string;
  /** The event itself. */
  data: T;
}

/** Diff-depth stream speed. */
export type DepthSpeed = "100ms" | "1000ms";
