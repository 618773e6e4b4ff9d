/**
 * A small seeded pseudo-random generator (mulberry32), so that the simulator's markets and the
 * property tests are deterministic and a failure can be replayed from its seed.
 *
 * @module
 */

/** A seeded pseudo-random generator: `next()` is uniform in [0, 1). */
export class Random {
  #state: number;
  /** Seeds the generator. */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** Next number in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  /** Geometric-like rank: small values much more likely; mean about `mean`. */
  rank(mean: number): number {
    return Math.floor(-Math.log(1 - this.next()) * mean);
  }
}

/** `next` of a new {@linkcode Random} seeded with `seed`, as a plain function. */
export function randomSource(seed: number): () => number {
  const random = new Random(seed);
  return () => random.next();
}
