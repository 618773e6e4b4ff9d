/**
 * A deterministic synthetic market of one symbol: an initial book of many levels and a stream of
 * `depthUpdate` events that change it, the levels near the top most. Prices are integer ticks and
 * quantities integer units of 1e-8 internally, formatted as Binance's 8-decimal strings.
 *
 * @module
 */
import type { DepthSnapshot, DepthUpdate, PriceLevel } from "../binance/types.ts";
import { Random } from "../util/random.ts";

/** Formats an integer count of 1e-8 units as an 8-decimal string: 123 → "0.00000123". */
export function formatUnits(units: number): string {
  const s = String(units).padStart(9, "0");
  return `${s.slice(0, -8)}.${s.slice(-8)}`;
}

/** Parameters of one synthetic symbol. */
export interface SyntheticSymbolSpec {
  symbol: string;
  /** Price of the middle of the book, in ticks. */
  midTicks: number;
  /** Tick size as a count of 1e-8 units (0.01 → 1,000,000). */
  tickUnits: number;
  /** Initial levels per side. */
  levelsPerSide: number;
  /** First update id. */
  firstUpdateId: number;
  seed: number;
}

/** One side: prices sorted best first plus quantities. */
class Side {
  prices: number[] = [];
  qty = new Map<number, number>();
  constructor(readonly descending: boolean) {}

  #find(price: number): number {
    let lo = 0;
    let hi = this.prices.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const p = this.prices[mid]!;
      if (this.descending ? p > price : p < price) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  set(price: number, units: number): void {
    if (!this.qty.has(price)) this.prices.splice(this.#find(price), 0, price);
    this.qty.set(price, units);
  }
  remove(price: number): void {
    if (!this.qty.delete(price)) return;
    this.prices.splice(this.#find(price), 1);
  }
}

/** The generator of one synthetic symbol. */
export class SyntheticBook {
  readonly symbol: string;
  #rng: Random;
  #bids = new Side(true);
  #asks = new Side(false);
  #tickUnits: number;
  #target: number;
  #lastUpdateId: number;

  /** Builds the initial book. */
  constructor(spec: SyntheticSymbolSpec) {
    this.symbol = spec.symbol;
    this.#rng = new Random(spec.seed);
    this.#tickUnits = spec.tickUnits;
    this.#target = spec.levelsPerSide;
    this.#lastUpdateId = spec.firstUpdateId - 1;
    let bid = spec.midTicks - 1;
    let ask = spec.midTicks + 1;
    for (let i = 0; i < spec.levelsPerSide; i++) {
      this.#bids.set(bid, this.#quantity());
      this.#asks.set(ask, this.#quantity());
      const spread = 1 + Math.floor(i / 50);
      bid -= this.#rng.int(1, spread);
      ask += this.#rng.int(1, spread);
      if (bid < 1) break;
    }
  }

  /** Update id of the current book. */
  get lastUpdateId(): number {
    return this.#lastUpdateId;
  }

  /** The whole current book. */
  snapshot(): DepthSnapshot {
    const side = (s: Side): PriceLevel[] =>
      s.prices.map((p) => [this.#price(p), formatUnits(s.qty.get(p)!)]);
    return { lastUpdateId: this.#lastUpdateId, bids: side(this.#bids), asks: side(this.#asks) };
  }

  /** Generates the next event (time `eventTime`), applying it to this book. */
  next(eventTime: number, changes = this.#rng.int(1, 12)): DepthUpdate {
    const bids = new Map<number, number>();
    const asks = new Map<number, number>();
    for (let i = 0; i < changes; i++) {
      const isBid = this.#rng.next() < 0.5;
      this.#change(isBid ? this.#bids : this.#asks, isBid ? bids : asks);
    }
    const ids = changes + this.#rng.int(0, 3);
    const U = this.#lastUpdateId + 1;
    this.#lastUpdateId += ids;
    const levels = (m: Map<number, number>): PriceLevel[] =>
      [...m].map(([p, q]) => [this.#price(p), formatUnits(q)]);
    return {
      e: "depthUpdate",
      E: eventTime,
      s: this.symbol,
      U,
      u: this.#lastUpdateId,
      b: levels(bids),
      a: levels(asks),
    };
  }

  #change(side: Side, out: Map<number, number>): void {
    const other = side === this.#bids ? this.#asks : this.#bids;
    const size = side.prices.length;
    const roll = this.#rng.next();
    const removeBias = size > this.#target ? 0.15 : size < this.#target ? -0.15 : 0;
    if (size > 2 && roll < 0.3 + removeBias) {
      // Remove a level, usually near the top; now and then a far one.
      const far = this.#rng.next() < 0.1;
      const index = far ? this.#rng.int(0, size - 1) : Math.min(this.#rng.rank(3), size - 1);
      const price = side.prices[index]!;
      side.remove(price);
      out.set(price, 0);
      return;
    }
    if (roll < 0.6 || size === 0) {
      // Add a level near the top, never crossing the other side.
      const best = side.prices[0];
      const otherBest = other.prices[0];
      const direction = side.descending ? -1 : 1;
      let price: number;
      if (best === undefined) price = otherBest! - direction * 2;
      else price = best + direction * (this.#rng.rank(4) - 1);
      if (otherBest !== undefined) {
        if (side.descending && price >= otherBest) price = otherBest - 1;
        if (!side.descending && price <= otherBest) price = otherBest + 1;
      }
      if (price < 1) return;
      const units = this.#quantity();
      side.set(price, units);
      out.set(price, units);
      return;
    }
    // Change the quantity of an existing level near the top.
    const price = side.prices[Math.min(this.#rng.rank(5), size - 1)]!;
    const units = this.#quantity();
    side.set(price, units);
    out.set(price, units);
  }

  #quantity(): number {
    return this.#rng.int(1, 400_000) * 1000;
  }

  #price(ticks: number): string {
    return formatUnits(ticks * this.#tickUnits);
  }
}
