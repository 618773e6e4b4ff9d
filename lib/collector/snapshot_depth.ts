/**
 * How deep to ask for each symbol's REST snapshot. A fixed `snapshotLimit` is used as it is;
 * with `"auto"` each symbol remembers how many levels its last snapshot really had and asks for
 * the cheapest weight tier of `GET /api/v3/depth` (100, 500, 1000, 5000: weight 5, 25, 50, 250)
 * that covers that depth with a margin; a snapshot that filled its limit (the book may be deeper)
 * makes the next request one tier up. A symbol never seen asks for the deepest tier. USDⓈ-M
 * futures (`GET /fapi/v1/depth`) have the tiers 100, 500, 1000 (weight 5, 10, 20).
 *
 * @module
 */
import { type Market, MARKET_LIMITS, marketDepthWeight } from "../binance/limits.ts";

/** A tier must hold this many times the levels last seen: books grow between snapshots. */
export const DEPTH_MARGIN = 1.25;

/** The limit of each symbol's next snapshot. */
export class SnapshotDepths {
  readonly #fixed: number | null;
  readonly #market: Market;
  /** Limit of each symbol's next request (auto only). */
  #next = new Map<string, number>();

  /** `limit`: a fixed number of levels, or `"auto"`; `market`'s tiers and weights (default spot). */
  constructor(limit: number | "auto", market: Market = "spot") {
    this.#fixed = limit === "auto" ? null : limit;
    this.#market = market;
  }

  /** Whether the limit is chosen per symbol. */
  get auto(): boolean {
    return this.#fixed === null;
  }

  /** `limit` of the next snapshot request of `symbol`. */
  limitFor(symbol: string): number {
    return this.#fixed ?? this.#next.get(symbol) ?? MARKET_LIMITS[this.#market].maxDepthLimit;
  }

  /** Weight of the next snapshot request of `symbol`. */
  weightFor(symbol: string): number {
    return marketDepthWeight(this.#market, this.limitFor(symbol));
  }

  /** A snapshot of `symbol` asked with `limit` came back with `levels` levels on its fuller side. */
  observe(symbol: string, limit: number, levels: number): void {
    if (this.#fixed !== null) return;
    this.#next.set(symbol, nextLimit(limit, levels, this.#market));
  }
}

/** The tier to ask next after a snapshot asked with `limit` held `levels` levels a side at most. */
export function nextLimit(limit: number, levels: number, market: Market = "spot"): number {
  const { depthLimitTiers: tiers, maxDepthLimit: max } = MARKET_LIMITS[market];
  if (levels >= limit) return tiers.find((t) => t > limit) ?? max;
  const wanted = Math.ceil(levels * DEPTH_MARGIN);
  return tiers.find((t) => t >= wanted) ?? max;
}
