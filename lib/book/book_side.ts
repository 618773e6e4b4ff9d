/**
 * One side of an order book: price levels kept sorted, best level LAST.
 *
 * Levels are stored in ascending key order (`price` for bids, `-price` for asks, so both sides
 * ascend towards the best level) in chunks of at most {@linkcode MAX_CHUNK} levels, like a
 * one-level B-tree. Finding a level means finding its chunk, then the level in it, by binary
 * search over numbers; inserting or removing one shifts at most a chunk, wherever it is in a book
 * of thousands of levels, and allocates nothing but the new level. The best level is the last one
 * of the last chunk, and real events mostly touch levels near it, so the search for the chunk
 * walks back a few chunks from the end before it bisects. The top N levels are read by walking
 * back from the end: no sorting, ever.
 *
 * Prices and quantities are kept as the exchange's strings; each price is parsed once per update
 * to find its place.
 *
 * @module
 */
import type { PriceLevel } from "../binance/types.ts";
import { isZeroQuantity, parsePrice } from "./decimal.ts";

/** Largest chunk; a chunk that grows beyond it is split in two halves. */
const MAX_CHUNK = 64;
/** Chunks nearest the best level tried one by one before a binary search. */
const SCAN_CHUNKS = 8;
/** A chunk that shrinks below this is merged into a neighbour. */
const MIN_CHUNK = 16;

/** The levels of one side, sorted by price, best last. */
export class BookSide {
  /**
   * The levels in chunks of at most {@linkcode MAX_CHUNK}, chunks and their content in ascending
   * key order (`price` for bids, `-price` for asks). `#keys[c]` and `#levels[c]` are parallel.
   */
  #keys: number[][] = [];
  /** `[price, quantity]` strings, owned by this side. */
  #levels: PriceLevel[][] = [];
  /** Largest key of each chunk, to find a chunk by binary search. */
  #maxKeys: number[] = [];
  #size = 0;
  readonly #sign: 1 | -1;

  /** Creates an empty side; `"bids"` ranks higher prices first, `"asks"` lower prices first. */
  constructor(side: "bids" | "asks") {
    this.#sign = side === "bids" ? 1 : -1;
  }

  /** Number of levels. */
  get size(): number {
    return this.#size;
  }

  /** Removes every level. */
  clear(): void {
    this.#keys = [];
    this.#levels = [];
    this.#maxKeys = [];
    this.#size = 0;
  }

  /** Replaces the content with `levels`, any order, as if set one after the other. */
  load(levels: readonly PriceLevel[]): void {
    const sign = this.#sign;
    const byKey = new Map<number, PriceLevel>();
    for (const [price, quantity] of levels) {
      const key = sign * parsePrice(price);
      const existing = byKey.get(key);
      if (isZeroQuantity(quantity)) byKey.delete(key);
      else if (existing !== undefined) existing[1] = quantity;
      else byKey.set(key, [price, quantity]);
    }
    const sorted = [...byKey.keys()].sort((x, y) => x - y);
    this.clear();
    const half = MAX_CHUNK >> 1;
    for (let start = 0; start < sorted.length; start += half) {
      const keys = sorted.slice(start, start + half);
      this.#keys.push(keys);
      this.#levels.push(keys.map((key) => byKey.get(key)!));
      this.#maxKeys.push(keys[keys.length - 1]!);
    }
    this.#size = sorted.length;
  }

  /**
   * Sets the quantity at `price`; a zero quantity removes the level. Prices are matched by value;
   * a level keeps the price string it was inserted with.
   */
  set(price: string, quantity: string): void {
    const key = this.#sign * parsePrice(price);
    const zero = isZeroQuantity(quantity);
    const maxKeys = this.#maxKeys;
    const chunks = maxKeys.length;
    if (chunks === 0) {
      if (!zero) this.#insertChunk(0, [key], [[price, quantity]]);
      return;
    }
    // The chunk: the first whose largest key is >= `key`, else the last one. Most updates are
    // near the best level, in the last chunks: walk back a few (predictable branches), then
    // binary-search the rest.
    let high = chunks - 1;
    const stop = high > SCAN_CHUNKS ? high - SCAN_CHUNKS : 0;
    while (high > stop && maxKeys[high - 1]! >= key) high--;
    let low = high === stop ? 0 : high;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (maxKeys[mid]! < key) low = mid + 1;
      else high = mid;
    }
    const c = low;
    const keys = this.#keys[c]!;
    const levels = this.#levels[c]!;
    const length = keys.length;
    // The first index in the chunk whose key is >= `key`, else `length`.
    let i = 0;
    let j = length;
    while (i < j) {
      const mid = (i + j) >>> 1;
      if (keys[mid]! < key) i = mid + 1;
      else j = mid;
    }
    if (i < length && keys[i] === key) {
      if (!zero) levels[i]![1] = quantity;
      else this.#removeAt(c, i);
    } else if (!zero) {
      // Shift the tail of the chunk up by one (at most MAX_CHUNK moves, no allocation).
      const level: PriceLevel = [price, quantity];
      keys.push(key);
      levels.push(level);
      for (let k = length; k > i; k--) {
        keys[k] = keys[k - 1]!;
        levels[k] = levels[k - 1]!;
      }
      keys[i] = key;
      levels[i] = level;
      if (i === length) maxKeys[c] = key;
      this.#size++;
      if (length + 1 > MAX_CHUNK) this.#split(c);
    }
  }

  #removeAt(c: number, i: number): void {
    const keys = this.#keys[c]!;
    const levels = this.#levels[c]!;
    const last = keys.length - 1;
    for (let k = i; k < last; k++) {
      keys[k] = keys[k + 1]!;
      levels[k] = levels[k + 1]!;
    }
    keys.pop();
    levels.pop();
    this.#size--;
    if (keys.length > 0) this.#maxKeys[c] = keys[keys.length - 1]!;
    if (keys.length < MIN_CHUNK) this.#mergeSmall(c);
  }

  #insertChunk(c: number, keys: number[], levels: PriceLevel[]): void {
    this.#keys.splice(c, 0, keys);
    this.#levels.splice(c, 0, levels);
    this.#maxKeys.splice(c, 0, keys[keys.length - 1]!);
    this.#size += keys.length;
  }

  #removeChunk(c: number): void {
    this.#size -= this.#keys[c]!.length;
    this.#keys.splice(c, 1);
    this.#levels.splice(c, 1);
    this.#maxKeys.splice(c, 1);
  }

  #split(c: number): void {
    const keys = this.#keys[c]!;
    const levels = this.#levels[c]!;
    const half = keys.length >> 1;
    const upperKeys = keys.splice(half);
    const upperLevels = levels.splice(half);
    this.#maxKeys[c] = keys[half - 1]!;
    this.#insertChunk(c + 1, upperKeys, upperLevels);
    this.#size -= upperKeys.length; // #insertChunk counted levels that were already here
  }

  /** Merges chunk `c` (too small) into a neighbour, splitting again if that is too big. */
  #mergeSmall(c: number): void {
    const keys = this.#keys[c]!;
    if (keys.length === 0) {
      this.#removeChunk(c);
      return;
    }
    if (this.#keys.length === 1) return;
    const target = c > 0 ? c - 1 : c + 1;
    const low = Math.min(c, target);
    const mergedKeys = this.#keys[low]!.concat(this.#keys[low + 1]!);
    const mergedLevels = this.#levels[low]!.concat(this.#levels[low + 1]!);
    this.#removeChunk(low + 1);
    this.#removeChunk(low);
    this.#insertChunk(low, mergedKeys, mergedLevels);
    if (mergedKeys.length > MAX_CHUNK) this.#split(low);
  }

  /** The best level (a copy), or `undefined` when the side is empty. */
  best(): PriceLevel | undefined {
    const levels = this.#levels[this.#levels.length - 1];
    const level = levels?.[levels.length - 1];
    return level === undefined ? undefined : [level[0], level[1]];
  }

  /** Numeric price of the best level, or `undefined` when the side is empty. */
  bestPrice(): number | undefined {
    const key = this.#maxKeys[this.#maxKeys.length - 1];
    return key === undefined ? undefined : this.#sign * key;
  }

  /** Copies of the best `depth` levels, best first; O(depth). */
  top(depth: number): PriceLevel[] {
    const out: PriceLevel[] = [];
    for (let c = this.#levels.length - 1; c >= 0 && out.length < depth; c--) {
      const levels = this.#levels[c]!;
      for (let i = levels.length - 1; i >= 0 && out.length < depth; i--) {
        const level = levels[i]!;
        out.push([level[0], level[1]]);
      }
    }
    return out;
  }

  /** Copies of all levels, best first. */
  all(): PriceLevel[] {
    return this.top(this.#size);
  }
}
