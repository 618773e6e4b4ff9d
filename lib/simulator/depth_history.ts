/**
 * The simulator's own reference book of one symbol and the history of its diff events: the oracle
 * tests compare a client's book against. Deliberately simple and independent of `lib/book/`:
 * two maps from price string to quantity string.
 *
 * Bound: at most `maxEvents` events are kept (default 100,000); when more arrive the oldest half is
 * folded into the base book, after which {@linkcode DepthHistory.bookAt} refuses ids before the new
 * base. A copy of the book is kept every `checkpointEvery` events (default 1,000) so that an older
 * book is rebuilt from the nearest copy, and a cursor makes calls with non-decreasing ids cheap.
 *
 * @module
 */
import type { DepthSnapshot, DepthUpdate, PriceLevel } from "../binance/types.ts";

/** A book as two price → quantity maps. */
export interface LevelMaps {
  bids: Map<string, string>;
  asks: Map<string, string>;
}

/** Options of {@linkcode DepthHistory}. */
export interface DepthHistoryOptions {
  /** Most events kept; default 100,000. */
  maxEvents?: number;
  /** A book copy every this many events; default 1,000. */
  checkpointEvery?: number;
}

/** True when a quantity string is zero ("0.00000000", "0", "0.0"). */
export function isZeroQuantity(qty: string): boolean {
  return !/[1-9]/.test(qty);
}

/** Applies the levels of one event to `maps` in place. */
export function applyEvent(maps: LevelMaps, event: { b: PriceLevel[]; a: PriceLevel[] }): void {
  for (const [price, qty] of event.b) {
    if (isZeroQuantity(qty)) maps.bids.delete(price);
    else maps.bids.set(price, qty);
  }
  for (const [price, qty] of event.a) {
    if (isZeroQuantity(qty)) maps.asks.delete(price);
    else maps.asks.set(price, qty);
  }
}

/** Copies a book. */
export function copyMaps(maps: LevelMaps): LevelMaps {
  return { bids: new Map(maps.bids), asks: new Map(maps.asks) };
}

/** Builds maps from a snapshot's level arrays. */
export function mapsFromSnapshot(snapshot: { bids: PriceLevel[]; asks: PriceLevel[] }): LevelMaps {
  const maps: LevelMaps = { bids: new Map(), asks: new Map() };
  applyEvent(maps, { b: snapshot.bids, a: snapshot.asks });
  return maps;
}

/** A snapshot of `maps` at `lastUpdateId`: bids descending, asks ascending, at most `limit` each. */
export function snapshotOf(maps: LevelMaps, lastUpdateId: number, limit = Infinity): DepthSnapshot {
  const side = (m: Map<string, string>, desc: boolean): PriceLevel[] => {
    const levels = [...m].map(([p, q]) => ({ n: Number(p), p, q }));
    levels.sort((x, y) => desc ? y.n - x.n : x.n - y.n);
    return levels.slice(0, limit).map(({ p, q }) => [p, q] as PriceLevel);
  };
  return { lastUpdateId, bids: side(maps.bids, true), asks: side(maps.asks, false) };
}

interface Checkpoint {
  /** Index of the last event applied (−1: the base). */
  index: number;
  maps: LevelMaps;
}

/** Reference book plus event history of one symbol. */
export class DepthHistory {
  readonly symbol: string;
  #baseId: number;
  #base: LevelMaps;
  #events: DepthUpdate[] = [];
  #current: LevelMaps;
  #currentId: number;
  #checkpoints: Checkpoint[] = [];
  #cursor: Checkpoint | null = null;
  #maxEvents: number;
  #checkpointEvery: number;

  /** Starts from `base`, the book at update id `base.lastUpdateId`. */
  constructor(symbol: string, base: DepthSnapshot, options: DepthHistoryOptions = {}) {
    this.symbol = symbol;
    this.#baseId = base.lastUpdateId;
    this.#base = mapsFromSnapshot(base);
    this.#current = copyMaps(this.#base);
    this.#currentId = base.lastUpdateId;
    this.#maxEvents = options.maxEvents ?? 100_000;
    this.#checkpointEvery = options.checkpointEvery ?? 1000;
  }

  /** Update id of the current book. */
  get lastUpdateId(): number {
    return this.#currentId;
  }

  /** Update id of the oldest book still available. */
  get baseId(): number {
    return this.#baseId;
  }

  /** Every event kept, oldest first (including events not applied because they precede the base). */
  get events(): readonly DepthUpdate[] {
    return this.#events;
  }

  /** The current book itself (not a copy: do not modify). */
  get current(): LevelMaps {
    return this.#current;
  }

  /** Records an event; it changes the book only when it ends after the current id. */
  append(event: DepthUpdate): void {
    this.#events.push(event);
    if (event.u <= this.#currentId) return;
    applyEvent(this.#current, event);
    this.#currentId = event.u;
    const index = this.#events.length - 1;
    if (index % this.#checkpointEvery === this.#checkpointEvery - 1) {
      this.#checkpoints.push({ index, maps: copyMaps(this.#current) });
    }
    if (this.#events.length > this.#maxEvents) this.#trim();
  }

  /** The current book as a snapshot with at most `limit` levels a side. */
  snapshot(limit = Infinity): DepthSnapshot {
    return snapshotOf(this.#current, this.#currentId, limit);
  }

  /** The full book exactly at update id `u`: the base id or the `u` of a kept event. */
  bookAt(u: number): DepthSnapshot {
    if (u === this.#currentId) return this.snapshot();
    if (u === this.#baseId) return snapshotOf(this.#base, u);
    const index = this.#indexOfU(u);
    if (index < 0 || u < this.#baseId) {
      throw new RangeError(
        `No book of ${this.symbol} at update id ${u}: not an event boundary kept in history ` +
          `(${this.#baseId}..${this.#currentId})`,
      );
    }
    let start: Checkpoint = this.#cursor && this.#cursor.index <= index
      ? this.#cursor
      : { index: -1, maps: this.#base };
    for (const checkpoint of this.#checkpoints) {
      if (checkpoint.index <= index && checkpoint.index > start.index) start = checkpoint;
    }
    const maps = start === this.#cursor ? start.maps : copyMaps(start.maps);
    for (let i = start.index + 1; i <= index; i++) {
      const event = this.#events[i]!;
      if (event.u > this.#baseId) applyEvent(maps, event);
    }
    this.#cursor = { index, maps };
    return snapshotOf(maps, u);
  }

  #indexOfU(u: number): number {
    let lo = 0;
    let hi = this.#events.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const value = this.#events[mid]!.u;
      if (value === u) return mid;
      if (value < u) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  #trim(): void {
    const drop = Math.floor(this.#maxEvents / 2);
    const lastDropped = this.#events[drop - 1]!;
    if (lastDropped.u > this.#baseId) {
      const book = this.bookAt(lastDropped.u);
      this.#base = mapsFromSnapshot(book);
      this.#baseId = lastDropped.u;
    }
    this.#events = this.#events.slice(drop);
    this.#checkpoints = this.#checkpoints
      .filter((c) => c.index >= drop)
      .map((c) => ({ index: c.index - drop, maps: c.maps }));
    this.#cursor = null;
  }
}
