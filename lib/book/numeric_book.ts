/**
 * An order book over numbers, for checking recordings (`verify`): prices and quantities are
 * doubles, parsed once (by {@linkcode numericUpdate}, or straight from bytes by a scanner), so
 * applying a level update is a search and a shift in `Float64Array`s, no string in sight.
 *
 * It answers what a check needs: the best levels after each event (crossed book) and a full copy
 * to compare, by value, with a `book` checkpoint ({@linkcode numericDifference}). It does the same
 * work as `OrderBook` and agrees with it level for level (`numeric_book_property_test.ts`);
 * the collector keeps `OrderBook`, which keeps the exchange's strings.
 *
 * Speed (`scripts/bench_book.ts`, real BTCUSDT diffs, 2 shared cores, medians of 3 runs): 13.6 M
 * level updates/s against 4.5-4.9 M/s for `OrderBook`; the 11.6 M level updates of a `verify`
 * run take 0.85 s instead of 2.4-2.6 s.
 *
 * Why a side of its own (`numeric_side.ts`) rather than `BookSide` made generic over the stored
 * value, measured on the same 11.6 M updates: the gain is mostly algorithmic (each search starts at
 * the chunk of the previous level, as an event's levels come best first, and scans the chunk
 * linearly: ~100 ns per update down to ~75 ns), and `BookSide`'s `number[]` chunks with the same
 * algorithm are only ~5 % slower than `Float64Array` slots. But one class fed both string levels
 * and numbers has polymorphic element loads in its hot loops: ~8-10 % slower where both books
 * run (the benchmark, any process replaying and collecting). And `OrderBook` keeps the price
 * string a level was inserted with and updates its quantity string in place, which a generic
 * "replace the value" side would turn into one allocation per update.
 *
 * Equality by value is exact for decimals of up to 15 significant digits: each such decimal has
 * its own double, and every spelling of it ("100", "100.0", "1e2") parses to that double. Beyond
 * 15 digits two different decimals may share a double and compare equal.
 *
 * @module
 */
import type { DepthSnapshot, PriceLevel } from "../binance/types.ts";
import { parsePrice, parseQuantity } from "./decimal.ts";
import { NumericSide } from "./numeric_side.ts";

/**
 * A diff event's level changes as numbers: bids first, then asks, as (price, quantity) pairs in
 * `levels` from index `start`: `levels[start + 2k]` = price, `levels[start + 2k + 1]` = quantity.
 */
export interface NumericUpdate {
  /** First update id in the event. */
  U: number;
  /** Final update id in the event; becomes the book's `lastUpdateId`. */
  u: number;
  /** Price/quantity pairs, possibly shared with other events (see `start`). */
  levels: Float64Array;
  /** Index in `levels` of this event's first price. */
  start: number;
  /** Number of bid pairs, first. */
  bids: number;
  /** Number of ask pairs, after the bids. */
  asks: number;
}

/** A full book as numbers, best level first on each side. */
export interface NumericSnapshot {
  /** Update id the book is consistent with. */
  lastUpdateId: number;
  /** `[price, quantity]`, highest price first. */
  bids: [number, number][];
  /** `[price, quantity]`, lowest price first. */
  asks: [number, number][];
}

/** Price levels of both sides as numbers, sorted, with cheap best-level queries. */
export class NumericBook {
  #bids = new NumericSide("bids");
  #asks = new NumericSide("asks");
  #lastUpdateId = 0;

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

  /**
   * Replaces the whole content with a (string) snapshot; zero quantities are skipped, the last
   * of duplicate prices wins. Throws, leaving the book unchanged, on a price or quantity that is
   * not a number, with `OrderBook`'s messages.
   */
  reset(snapshot: DepthSnapshot): void {
    const bids = parseLevels(snapshot.bids);
    const asks = parseLevels(snapshot.asks);
    this.#bids.load(bids);
    this.#asks.load(asks);
    this.#lastUpdateId = snapshot.lastUpdateId;
  }

  /** Empties the book and sets its update id to 0. */
  clear(): void {
    this.#bids.clear();
    this.#asks.clear();
    this.#lastUpdateId = 0;
  }

  /**
   * Applies an event's level changes (quantity 0 removes the level, if present; any other value
   * sets it) and takes its `u` as the book's update id. Does not check continuity. Throws a
   * `RangeError` on a price that is not finite, the book then half-updated.
   */
  apply(update: NumericUpdate): void {
    const levels = update.levels;
    const bids = this.#bids;
    const asks = this.#asks;
    let k = update.start;
    const bidsEnd = k + 2 * update.bids;
    for (; k < bidsEnd; k += 2) bids.set(levels[k]!, levels[k + 1]!);
    const asksEnd = k + 2 * update.asks;
    for (; k < asksEnd; k += 2) asks.set(levels[k]!, levels[k + 1]!);
    this.#lastUpdateId = update.u;
  }

  /** Highest bid as `[price, quantity]`, or `undefined` when there are no bids. */
  bestBid(): [number, number] | undefined {
    return this.#bids.best();
  }

  /** Lowest ask as `[price, quantity]`, or `undefined` when there are no asks. */
  bestAsk(): [number, number] | undefined {
    return this.#asks.best();
  }

  /** True when both sides are non-empty and the best bid is at or above the best ask. */
  isCrossed(): boolean {
    const bid = this.#bids.bestPrice();
    const ask = this.#asks.bestPrice();
    return bid !== undefined && ask !== undefined && bid >= ask;
  }

  /** A full copy: bids highest first, asks lowest first. */
  snapshot(): NumericSnapshot {
    return { lastUpdateId: this.#lastUpdateId, bids: this.#bids.all(), asks: this.#asks.all() };
  }
}

function parseLevels(levels: readonly PriceLevel[]): [number, number][] {
  return levels.map(([price, quantity]) => [parsePrice(price), parseQuantity(quantity)]);
}

/**
 * Converts a string event (e.g. from `JSON.parse`) into a {@linkcode NumericUpdate} with its own
 * `levels` (start 0). Throws on a price or quantity that is not a number, with the string book's
 * messages (`parsePrice` / `isZeroQuantity` in `book_side.ts`).
 */
export function numericUpdate(
  event: { U: number; u: number; b: readonly PriceLevel[]; a: readonly PriceLevel[] },
): NumericUpdate {
  const { b, a } = event;
  const levels = new Float64Array(2 * (b.length + a.length));
  let k = 0;
  for (const side of [b, a]) {
    for (let i = 0; i < side.length; i++) {
      const [price, quantity] = side[i]!;
      levels[k++] = parsePrice(price);
      levels[k++] = parseQuantity(quantity);
    }
  }
  return { U: event.U, u: event.u, levels, start: 0, bids: b.length, asks: a.length };
}

/**
 * The first difference between a replayed numeric book and a string snapshot (a checkpoint),
 * compared by value (the snapshot's prices and quantities parsed), or `undefined` when equal: same
 * `lastUpdateId`, same counts, the same levels in the same order. Described as
 * `lastUpdateId 100 vs 101` (replayed vs snapshot), `ask 3: 61837.64000000/123.45600000 in the
 * snapshot, 61837.64/1.54698 replayed` (a snapshot string that is not a number is named), or
 * `bid count 5 vs 6 (first extra 61830.17000000/1.00000000 in the snapshot)`.
 */
export function numericDifference(
  replayed: NumericSnapshot,
  snapshot: DepthSnapshot,
): string | undefined {
  if (replayed.lastUpdateId !== snapshot.lastUpdateId) {
    return `lastUpdateId ${replayed.lastUpdateId} vs ${snapshot.lastUpdateId}`;
  }
  return sideDifference("bid", replayed.bids, snapshot.bids) ??
    sideDifference("ask", replayed.asks, snapshot.asks);
}

function sideDifference(
  name: string,
  replayed: readonly [number, number][],
  snapshot: readonly PriceLevel[],
): string | undefined {
  const common = Math.min(replayed.length, snapshot.length);
  for (let i = 0; i < common; i++) {
    const [price, quantity] = replayed[i]!;
    const level = snapshot[i]!;
    const parsed = parseLevel(level);
    if (typeof parsed === "string" || parsed[0] !== price || parsed[1] !== quantity) {
      const why = typeof parsed === "string" ? ` (${parsed})` : "";
      return `${name} ${i}: ${level[0]}/${
        level[1]
      } in the snapshot, ${price}/${quantity} replayed` +
        why;
    }
  }
  if (replayed.length === snapshot.length) return undefined;
  const extra = replayed.length > snapshot.length
    ? `${replayed[common]![0]}/${replayed[common]![1]} replayed`
    : `${snapshot[common]![0]}/${snapshot[common]![1]} in the snapshot`;
  return `${name} count ${replayed.length} vs ${snapshot.length} (first extra ${extra})`;
}

/** A snapshot level as numbers, or why it is not a pair of numbers. */
function parseLevel([price, quantity]: PriceLevel): [number, number] | string {
  try {
    const value = parseQuantity(quantity);
    if (Number.isNaN(value)) return `Invalid quantity ${JSON.stringify(quantity)}: not a number`;
    return [parsePrice(price), value];
  } catch (error) {
    return (error as Error).message;
  }
}
