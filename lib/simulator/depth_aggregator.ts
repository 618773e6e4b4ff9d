/**
 * Builds the events of a slower diff stream (`@depth@1000ms`) from consecutive fast events: levels
 * combined (last quantity wins), `U` of the first, `u` of the last. A withheld event splits the
 * aggregate, so the gap stays visible on the slow stream too.
 *
 * @module
 */
import type { DepthUpdate, PriceLevel } from "../binance/types.ts";

interface Segment {
  U: number;
  u: number;
  bids: Map<string, string>;
  asks: Map<string, string>;
}

/** Accumulates events of one symbol until {@linkcode DepthAggregator.take}. */
export class DepthAggregator {
  readonly symbol: string;
  #segments: Segment[] = [];
  #broken = true;
  /** Event time of the first event taken in, or `null` when empty. */
  firstEventTime: number | null = null;

  /** Creates an empty aggregator. */
  constructor(symbol: string) {
    this.symbol = symbol;
  }

  /** Whether anything waits to be sent. */
  get empty(): boolean {
    return this.#segments.length === 0;
  }

  /** Adds a published event. */
  add(event: DepthUpdate): void {
    this.firstEventTime ??= event.E;
    let segment = this.#broken ? undefined : this.#segments.at(-1);
    if (!segment) {
      segment = { U: event.U, u: event.u, bids: new Map(), asks: new Map() };
      this.#segments.push(segment);
      this.#broken = false;
    }
    segment.u = event.u;
    for (const [p, q] of event.b) segment.bids.set(p, q);
    for (const [p, q] of event.a) segment.asks.set(p, q);
  }

  /** Marks a withheld event: what follows starts a new event. */
  split(): void {
    this.#broken = true;
  }

  /** The aggregated events (usually one) with event time `E`; empties the aggregator. */
  take(E: number): DepthUpdate[] {
    const out = this.#segments.map((s): DepthUpdate => ({
      e: "depthUpdate",
      E,
      s: this.symbol,
      U: s.U,
      u: s.u,
      b: [...s.bids].map(([p, q]) => [p, q] as PriceLevel),
      a: [...s.asks].map(([p, q]) => [p, q] as PriceLevel),
    }));
    this.#segments = [];
    this.#broken = true;
    this.firstEventTime = null;
    return out;
  }
}
