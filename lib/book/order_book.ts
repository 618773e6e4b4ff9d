/**
 * A local copy of one symbol's order book, updated from Binance diff events.
 *
 * Prices and quantities stay the exchange's decimal strings; numbers derived from the prices are
 * used only for ordering. The book knows nothing about update-id continuity: that is
 * {@linkcode DepthSync}'s job (`depth_sync.ts`).
 *
 * @module
 */
import type { DepthSnapshot, PriceLevel } from "../binance/types.ts";
import { BookSide } from "./book_side.ts";

/** The part of a diff event the book applies: final update id and level changes. */
export interface BookUpdate {
  /** Final update id of the event; becomes the book's `lastUpdateId`. */
  u: number;
  /** Bid levels to set; a zero quantity removes the level. */
  b: readonly PriceLevel[];
  /** Ask levels to set; a zero quantity removes the level. */
  a: readonly PriceLevel[];
}

/** Price levels of both sides, sorted, with cheap best-level and top-N queries. */
export class OrderBook {
  #bids = new BookSide("bids");
  #asks = new BookSide("asks");
  #lastUpdateId = 0;

  /** Creates a book from `snapshot`, or an empty book at update id 0 when omitted. */
  constructor(snapshot?: DepthSnapshot) {
    if (snapshot !== undefined) this.reset(snapshot);
  }

  /** Update id the book is consistent with. */
  get lastUpdateId(): number {
    return this.#lastUpdateId;
  }

  /** Number of bid levels. */
  get bidCount(): number {
    return this.#bids.size;
  }

  /** Number of ask levels. */
  get askCount(): number {
    return this.#asks.size;
  }

  /** Replaces the whole content with `snapshot` (its strings are copied, not kept). */
  reset(snapshot: DepthSnapshot): void {
    this.#bids.load(snapshot.bids);
    this.#asks.load(snapshot.asks);
    this.#lastUpdateId = snapshot.lastUpdateId;
  }

  /** Empties the book and sets its update id to 0. */
  clear(): void {
    this.#bids.clear();
    this.#asks.clear();
    this.#lastUpdateId = 0;
  }

  /**
   * Applies an event's level changes (zero quantity removes, any other sets) and takes its `u`
   * as the book's update id. Does not check continuity.
   */
  apply(event: BookUpdate): void {
    const bids = this.#bids;
    const asks = this.#asks;
    const b = event.b;
    const a = event.a;
    for (let i = 0; i < b.length; i++) bids.set(b[i]![0], b[i]![1]);
    for (let i = 0; i < a.length; i++) asks.set(a[i]![0], a[i]![1]);
    this.#lastUpdateId = event.u;
  }

  /** Highest bid, or `undefined` when there are no bids. */
  bestBid(): PriceLevel | undefined {
    return this.#bids.best();
  }

  /** Lowest ask, or `undefined` when there are no asks. */
  bestAsk(): PriceLevel | undefined {
    return this.#asks.best();
  }

  /** The best `depth` levels of each side, best first; costs O(depth), no sorting. */
  top(depth: number): { bids: PriceLevel[]; asks: PriceLevel[] } {
    return { bids: this.#bids.top(depth), asks: this.#asks.top(depth) };
  }

  /** A full copy: bids highest first, asks lowest first. */
  snapshot(): DepthSnapshot {
    return { lastUpdateId: this.#lastUpdateId, bids: this.#bids.all(), asks: this.#asks.all() };
  }

  /** True when both sides are non-empty and the best bid is at or above the best ask. */
  isCrossed(): boolean {
    const bid = this.#bids.bestPrice();
    const ask = this.#asks.bestPrice();
    return bid !== undefined && ask !== undefined && bid >= ask;
  }
}

/**
 * The first difference between two books, as a short description, or `undefined` when they are
 * identical: same `lastUpdateId` and, side by side, the same levels in the same order with equal
 * price and quantity strings.
 */
export function firstDifference(a: DepthSnapshot, b: DepthSnapshot): string | undefined {
  if (a.lastUpdateId !== b.lastUpdateId) {
    return `lastUpdateId ${a.lastUpdateId} vs ${b.lastUpdateId}`;
  }
  return sideDifference("bid", a.bids, b.bids) ?? sideDifference("ask", a.asks, b.asks);
}

function sideDifference(
  name: string,
  a: readonly PriceLevel[],
  b: readonly PriceLevel[],
): string | undefined {
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x[0] !== y[0] || x[1] !== y[1]) return `${name} ${i}: ${x[0]}/${x[1]} vs ${y[0]}/${y[1]}`;
  }
  if (a.length !== b.length) {
    const extra = (a.length > b.length ? a : b)[common]!;
    return `${name} count ${a.length} vs ${b.length} (first extra ${extra[0]}/${extra[1]})`;
  }
  return undefined;
}
