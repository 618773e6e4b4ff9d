/**
 * How deep to ask for each symbol's REST snapshot. A fixed `snapshotLimit` is used as it is;
 * with `"auto"` each symbol remembers how many levels its last snapshot really had and asks for
 * the cheapest weight tier of `GET /api/v3/depth` (100, 500, 1000, 5000: weight 5, 25, 50, 250)
 * that covers that depth with a margin; a snapshot that filled its limit (the book may be deeper)
 * makes the next request one tier up. A symbol never seen asks for the deepest tier.
 *
 * @module
 */
import { DEPTH_LIMIT_TIERS, depthWeight, MAX_DEPTH_LIMIT } from "../binance/limits.ts";

/** A tier must hold this many times the levels last seen: books grow between snapshots. */
export const DEPTH_MARGIN = 1.25;

/** The limit of each symbol's next snapshot. */
export class SnapshotDepths {
  readonly #fixed: number | null;
  /** Limit of each symbol's next request (auto only). */
  #next = new Map<string, number>();

  /** `limit`: a fixed number of levels, or `"auto"`. */
  constructor(limit: number | "auto") {
    this.#fixed = limit === "auto" ? null : limit;
  }

  /** Whether the limit is chosen per symbol. */
  get auto(): boolean {
    return this.#fixed === null;
  }

  /** `limit` of the next snapshot request of `symbol`. */
  limitFor(symbol: string): number {
    return this.#fixed ?? this.#next.get(symbol) ?? MAX_DEPTH_LIMIT;
  }

  /** Weight of the next snapshot request of `symbol`. */
  weightFor(symbol: string): number {
    return depthWeight(this.limitFor(symbol));
  }

  /** A snapshot of `symbol` asked with `limit` came back with `levels` levels on its fuller side. */
  observe(symbol: string, limit: number, levels: number): void {
    if (this.#fixed !== null) return;
    this.#next.set(symbol, nextLimit(limit, levels));
  }
}

/** The tier to ask next after a snapshot asked with `limit` held `levels` levels a side at most. */
export function nextLimit(limit: number, levels: number): number {
  const tiers = DEPTH_LIMIT_TIERS;
  if (levels >= limit) return tiers.find((t) => t > limit) ?? MAX_DEPTH_LIMIT;
  const wanted = Math.ceil(levels * DEPTH_MARGIN);
  return tiers.find((t) => t >= wanted) ?? MAX_DEPTH_LIMIT;
}
