/**
 * One side of a numeric order book: `(price, quantity)` doubles kept sorted, best level LAST.
 *
 * The same shape as `BookSide` (`book_side.ts`): ascending keys (`price` for bids, `-price` for
 * asks), in chunks of at most {@linkcode MAX_CHUNK} levels. Each chunk is a fixed slot of two flat
 * `Float64Array`s (keys, quantities), so inserting, removing, splitting and merging move doubles
 * inside preallocated memory and allocate nothing. An event's levels come best first, so the
 * search for a level's chunk starts at the previous level's chunk and walks a few chunks before it
 * bisects; inside the chunk a linear scan from the top finds the place, over the doubles an
 * insertion shifts anyway. Shifts are plain loops: `copyWithin` costs a call into the runtime that
 * made the side ~40 % slower for the few dozen doubles a chunk holds. Why this is not `BookSide`
 * made generic, with numbers: `numeric_book.ts`.
 *
 * @module
 */

/** Largest chunk; a chunk that grows beyond it is split in two halves. */
const MAX_CHUNK = 32;
/** A chunk that shrinks below this is merged with (or refilled from) a neighbour. */
const MIN_CHUNK = 8;
/** Doubles per slot: a full chunk plus the level that makes it split. */
const SLOT = MAX_CHUNK + 1;
/** Chunks nearest the best level tried one by one before a binary search. */
const SCAN_CHUNKS = 8;

/** The levels of one side as numbers, sorted by price, best last. */
export class NumericSide {
  /** Keys (`sign * price`) of every slot, slot `s` at `s * SLOT`. */
  #keys = new Float64Array(16 * SLOT);
  /** Quantities, parallel to `#keys`. */
  #quantities = new Float64Array(16 * SLOT);
  /** Slot of each chunk, chunks in ascending key order. */
  #slots: number[] = [];
  /** Number of levels of each chunk (parallel to `#slots`). */
  #lengths: number[] = [];
  /** Largest key of each chunk (parallel to `#slots`). */
  #maxKeys: number[] = [];
  /** Slots not in use. */
  #free: number[] = [];
  /** Slots ever handed out (the storage holds at least this many). */
  #used = 0;
  /** Chunk of the last `set`, where the next search starts. */
  #finger = 0;
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

  /** Removes every level (the storage is kept for reuse). */
  clear(): void {
    this.#slots = [];
    this.#lengths = [];
    this.#maxKeys = [];
    this.#free = [];
    this.#used = 0;
    this.#size = 0;
  }

  /**
   * Replaces the content with `levels` (`[price, quantity]`, any order), as if set in turn: the
   * last of equal prices wins, zero quantities remove. Sorts once and fills half-full chunks (room
   * for the inserts to come) instead of inserting level by level. Throws a `RangeError`, the side
   * unchanged, on a price that is not finite.
   */
  load(levels: readonly (readonly [number, number])[]): void {
    const sign = this.#sign;
    const byKey = new Map<number, number>();
    for (let i = 0; i < levels.length; i++) {
      const [price, quantity] = levels[i]!;
      const key = sign * price;
      if (key - key !== 0) throw new RangeError(`Invalid price ${price}: expected a finite number`);
      if (quantity === 0) byKey.delete(key);
      else byKey.set(key, quantity);
    }
    const keys = Float64Array.from(byKey.keys()).sort();
    this.clear();
    const half = MAX_CHUNK >> 1;
    for (let start = 0; start < keys.length; start += half) {
      const length = Math.min(half, keys.length - start);
      const base = this.#newSlot() * SLOT;
      for (let k = 0; k < length; k++) {
        const key = keys[start + k]!;
        this.#keys[base + k] = key;
        this.#quantities[base + k] = byKey.get(key)!;
      }
      this.#slots.push(base / SLOT);
      this.#lengths.push(length);
      this.#maxKeys.push(keys[start + length - 1]!);
    }
    this.#size = keys.length;
    this.#finger = 0;
  }

  /**
   * Sets the quantity at `price`; a zero quantity removes the level (nothing happens if absent),
   * any other (even NaN, which then equals no quantity) sets it. Throws a `RangeError` on a price
   * that is not finite, which would break the order.
   */
  set(price: number, quantity: number): void {
    const key = this.#sign * price;
    if (key - key !== 0) {
      throw new RangeError(`Invalid price ${price}: expected a finite number`);
    }
    const maxKeys = this.#maxKeys;
    const chunks = maxKeys.length;
    if (chunks === 0) {
      if (quantity !== 0) {
        const slot = this.#newSlot();
        this.#keys[slot * SLOT] = key;
        this.#quantities[slot * SLOT] = quantity;
        this.#slots.push(slot);
        this.#lengths.push(1);
        maxKeys.push(key);
        this.#size = 1;
      }
      return;
    }
    // The chunk: the first whose largest key is >= `key`, else the last one. An event's levels
    // come best first, so each search starts at the chunk of the previous one and walks a few
    // chunks (predictable branches) before it bisects what is left.
    let c = this.#finger < chunks ? this.#finger : chunks - 1;
    if (maxKeys[c]! < key) {
      const stop = c + SCAN_CHUNKS < chunks - 1 ? c + SCAN_CHUNKS : chunks - 1;
      while (c < stop && maxKeys[c]! < key) c++;
      if (c === stop && stop < chunks - 1 && maxKeys[c]! < key) {
        c = search(maxKeys, key, c, chunks - 1);
      }
    } else {
      const stop = c > SCAN_CHUNKS ? c - SCAN_CHUNKS : 0;
      while (c > stop && maxKeys[c - 1]! >= key) c--;
      if (c === stop && c > 0 && maxKeys[c - 1]! >= key) c = search(maxKeys, key, 0, c);
    }
    this.#finger = c;
    const keys = this.#keys;
    const base = this.#slots[c]! * SLOT;
    const end = base + this.#lengths[c]!;
    // The first index in the chunk whose key is >= `key`, else `end`: a linear scan from the
    // top, over the doubles an insertion shifts anyway.
    let i = end;
    while (i > base && keys[i - 1]! >= key) i--;
    const quantities = this.#quantities;
    if (i < end && keys[i] === key) {
      if (quantity !== 0) quantities[i] = quantity;
      else this.#removeAt(c, i, end);
    } else if (quantity !== 0) {
      for (let k = end; k > i; k--) {
        keys[k] = keys[k - 1]!;
        quantities[k] = quantities[k - 1]!;
      }
      keys[i] = key;
      quantities[i] = quantity;
      if (i === end) maxKeys[c] = key;
      this.#size++;
      const length = end - base + 1;
      this.#lengths[c] = length;
      if (length > MAX_CHUNK) this.#split(c);
    }
  }

  #removeAt(c: number, i: number, end: number): void {
    const keys = this.#keys;
    const quantities = this.#quantities;
    const last = end - 1;
    for (let k = i; k < last; k++) {
      keys[k] = keys[k + 1]!;
      quantities[k] = quantities[k + 1]!;
    }
    this.#size--;
    const length = this.#lengths[c]! - 1;
    this.#lengths[c] = length;
    if (length > 0) this.#maxKeys[c] = keys[last - 1]!;
    if (length < MIN_CHUNK) this.#refill(c);
  }

  /** A free slot, growing the storage when none is left. */
  #newSlot(): number {
    const slot = this.#free.pop();
    if (slot !== undefined) return slot;
    const capacity = this.#keys.length / SLOT;
    if (this.#used === capacity) {
      const keys = new Float64Array(capacity * 2 * SLOT);
      const quantities = new Float64Array(capacity * 2 * SLOT);
      keys.set(this.#keys);
      quantities.set(this.#quantities);
      this.#keys = keys;
      this.#quantities = quantities;
    }
    return this.#used++;
  }

  /** Moves `count` levels from offset `from` to offset `to` (ranges may not overlap). */
  #move(from: number, to: number, count: number): void {
    const keys = this.#keys;
    const quantities = this.#quantities;
    for (let k = 0; k < count; k++) {
      keys[to + k] = keys[from + k]!;
      quantities[to + k] = quantities[from + k]!;
    }
  }

  #split(c: number): void {
    const slot = this.#newSlot();
    const base = this.#slots[c]! * SLOT;
    const length = this.#lengths[c]!;
    const half = length >> 1;
    this.#move(base + half, slot * SLOT, length - half);
    this.#lengths[c] = half;
    const upperMax = this.#maxKeys[c]!;
    this.#maxKeys[c] = this.#keys[base + half - 1]!;
    this.#slots.splice(c + 1, 0, slot);
    this.#lengths.splice(c + 1, 0, length - half);
    this.#maxKeys.splice(c + 1, 0, upperMax);
  }

  /** Chunk `c` is too small: merges it with a neighbour, or takes levels from that neighbour. */
  #refill(c: number): void {
    const slots = this.#slots;
    const length = this.#lengths[c]!;
    if (length === 0) {
      this.#removeChunk(c);
      return;
    }
    if (slots.length === 1) return;
    const low = c > 0 ? c - 1 : c;
    const lowBase = slots[low]! * SLOT;
    const highBase = slots[low + 1]! * SLOT;
    const lowLength = this.#lengths[low]!;
    const highLength = this.#lengths[low + 1]!;
    const total = lowLength + highLength;
    if (total <= MAX_CHUNK) {
      this.#move(highBase, lowBase + lowLength, highLength);
      this.#lengths[low] = total;
      this.#maxKeys[low] = this.#maxKeys[low + 1]!;
      this.#lengths[low + 1] = 0;
      this.#removeChunk(low + 1);
      return;
    }
    // Rebalance: the low chunk keeps `half` levels, the high one the rest.
    const half = total >> 1;
    const keys = this.#keys;
    const quantities = this.#quantities;
    if (lowLength < half) {
      // Take the first `half - lowLength` levels of the high chunk.
      const moved = half - lowLength;
      this.#move(highBase, lowBase + lowLength, moved);
      for (let k = 0; k < highLength - moved; k++) {
        keys[highBase + k] = keys[highBase + moved + k]!;
        quantities[highBase + k] = quantities[highBase + moved + k]!;
      }
    } else {
      // Give the last `lowLength - half` levels of the low chunk to the high chunk.
      const moved = lowLength - half;
      for (let k = highLength - 1; k >= 0; k--) {
        keys[highBase + moved + k] = keys[highBase + k]!;
        quantities[highBase + moved + k] = quantities[highBase + k]!;
      }
      this.#move(lowBase + half, highBase, moved);
    }
    this.#lengths[low] = half;
    this.#lengths[low + 1] = total - half;
    this.#maxKeys[low] = keys[lowBase + half - 1]!;
  }

  #removeChunk(c: number): void {
    this.#free.push(this.#slots[c]!);
    this.#slots.splice(c, 1);
    this.#lengths.splice(c, 1);
    this.#maxKeys.splice(c, 1);
  }

  /** The best level as `[price, quantity]`, or `undefined` when the side is empty. */
  best(): [number, number] | undefined {
    const c = this.#slots.length - 1;
    if (c < 0) return undefined;
    const at = this.#slots[c]! * SLOT + this.#lengths[c]! - 1;
    return [this.#sign * this.#keys[at]! + 0, this.#quantities[at]!];
  }

  /** Price of the best level, or `undefined` when the side is empty. */
  bestPrice(): number | undefined {
    const key = this.#maxKeys[this.#maxKeys.length - 1];
    return key === undefined ? undefined : this.#sign * key;
  }

  /** Every level as `[price, quantity]`, best first. */
  all(): [number, number][] {
    const out: [number, number][] = [];
    const sign = this.#sign;
    for (let c = this.#slots.length - 1; c >= 0; c--) {
      const base = this.#slots[c]! * SLOT;
      for (let i = base + this.#lengths[c]! - 1; i >= base; i--) {
        out.push([sign * this.#keys[i]! + 0, this.#quantities[i]!]);
      }
    }
    return out;
  }
}

/** The first index in `low..high` whose value is >= `key` (`high` if none is). */
function search(values: readonly number[], key: number, low: number, high: number): number {
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (values[mid]! < key) low = mid + 1;
    else high = mid;
  }
  return low;
}
