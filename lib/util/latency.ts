/**
 * A fixed-memory latency histogram with quantile estimates, for the lag between an event's
 * exchange time `E` and its local receipt. Buckets are logarithmic in the magnitude (8 per
 * doubling, so an estimate is within about 4.5% of the true quantile) from 1/16 ms to about
 * 17 minutes, on both sides of zero: a local clock behind the exchange's gives negative lags, and
 * they are kept with their sign. Magnitudes up to 1/16 ms count as 0, larger than the limit as the
 * limit. Counts are cumulative; the difference of two snapshots gives the quantiles of an
 * interval.
 *
 * @module
 */

/** Buckets per doubling of the value. */
const BUCKETS_PER_OCTAVE = 8;
/** Smallest bucketed magnitude is `2^MIN_EXP` ms. */
const MIN_EXP = -4;
/** Largest bucketed magnitude is `2^MAX_EXP` ms. */
const MAX_EXP = 20;
/** Regular buckets on each side of zero. */
const REGULAR = (MAX_EXP - MIN_EXP) * BUCKETS_PER_OCTAVE;
/**
 * Layout, in increasing value: negative overflow (0), negative buckets (1..REGULAR, largest
 * magnitude first), zero (ZERO), positive buckets, positive overflow (SIZE - 1).
 */
const ZERO = REGULAR + 1;
const SIZE = 2 * REGULAR + 3;

/** Magnitudes, in ms, up to this count as 0. */
export const LATENCY_MIN_MS = 2 ** MIN_EXP;
/** Largest magnitude, in ms, bucketed; larger values are reported as ± this. */
export const LATENCY_MAX_MS = 2 ** MAX_EXP;

/** Bucket of a finite value. */
function bucketOf(ms: number): number {
  const magnitude = Math.abs(ms);
  if (magnitude <= LATENCY_MIN_MS) return ZERO;
  if (magnitude > LATENCY_MAX_MS) return ms > 0 ? SIZE - 1 : 0;
  const m = Math.ceil((Math.log2(magnitude) - MIN_EXP) * BUCKETS_PER_OCTAVE);
  const clamped = Math.min(Math.max(m, 1), REGULAR);
  return ms > 0 ? ZERO + clamped : ZERO - clamped;
}

/** Representative value of a bucket: geometric middle of its bounds, with its sign. */
function valueOf(bucket: number): number {
  if (bucket === ZERO) return 0;
  if (bucket === SIZE - 1) return LATENCY_MAX_MS;
  if (bucket === 0) return -LATENCY_MAX_MS;
  const m = Math.abs(bucket - ZERO);
  const middle = 2 ** (MIN_EXP + (m - 0.5) / BUCKETS_PER_OCTAVE);
  return bucket > ZERO ? middle : -middle;
}

/** An immutable copy of a histogram's counts; subtract an earlier one for an interval. */
export class LatencySnapshot {
  readonly #counts: Float64Array;
  /** Number of values recorded. */
  readonly count: number;
  /** Sum of the values recorded (negative values included as they were). */
  readonly sum: number;

  /** Wraps counts; see {@linkcode LatencyHistogram.snapshot}, {@linkcode LatencySnapshot.empty}. */
  constructor(counts: Float64Array, count: number, sum: number) {
    if (counts.length !== SIZE) {
      throw new RangeError(
        `Invalid latency counts: expected ${SIZE} buckets, got ${counts.length}`,
      );
    }
    this.#counts = counts;
    this.count = count;
    this.sum = sum;
  }

  /** A snapshot with nothing recorded. */
  static empty(): LatencySnapshot {
    return new LatencySnapshot(new Float64Array(SIZE), 0, 0);
  }

  /** Estimate of the `q`-quantile (0 ≤ q ≤ 1) in ms, or `null` when nothing was recorded. */
  quantile(q: number): number | null {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`Invalid quantile ${q}: expected 0 to 1`);
    if (this.count <= 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < SIZE; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return valueOf(i);
    }
    return valueOf(SIZE - 1);
  }

  /** Mean in ms, or `null` when nothing was recorded. */
  mean(): number | null {
    return this.count > 0 ? this.sum / this.count : null;
  }

  /**
   * What was recorded since `earlier` (a snapshot of the same histogram). When `earlier` has more
   * values than this one (the histogram was replaced), this snapshot is returned whole.
   */
  since(earlier: LatencySnapshot): LatencySnapshot {
    if (earlier.count > this.count) return this;
    const counts = new Float64Array(SIZE);
    for (let i = 0; i < SIZE; i++) counts[i] = this.#counts[i]! - earlier.#counts[i]!;
    return new LatencySnapshot(counts, this.count - earlier.count, this.sum - earlier.sum);
  }

  /** The union of this snapshot and `other` (e.g. all connections together). */
  plus(other: LatencySnapshot): LatencySnapshot {
    const counts = new Float64Array(SIZE);
    for (let i = 0; i < SIZE; i++) counts[i] = this.#counts[i]! + other.#counts[i]!;
    return new LatencySnapshot(counts, this.count + other.count, this.sum + other.sum);
  }
}

/** Records latencies in ms into fixed memory (about 3 KB). */
export class LatencyHistogram {
  readonly #counts = new Float64Array(SIZE);
  #count = 0;
  #sum = 0;

  /** Records one value in ms; non-finite values are ignored. */
  record(ms: number): void {
    if (!Number.isFinite(ms)) return;
    this.#counts[bucketOf(ms)]! += 1;
    this.#count += 1;
    this.#sum += ms;
  }

  /** Number of values recorded. */
  get count(): number {
    return this.#count;
  }

  /** Estimate of the `q`-quantile in ms over everything recorded, or `null` when empty. */
  quantile(q: number): number | null {
    return this.snapshot().quantile(q);
  }

  /** A copy of the counts so far. */
  snapshot(): LatencySnapshot {
    return new LatencySnapshot(this.#counts.slice(), this.#count, this.#sum);
  }
}

/**
 * Quantiles over a recent window of a histogram, in fixed memory: the values recorded since a base
 * snapshot that moves forward every `windowMs`. Read at least once a window (e.g. by scrapes), a
 * read covers between one and two windows; read less often, it covers the time since the
 * read before the previous one. Any number of readers may share it.
 */
export class LatencyWindow {
  readonly #histogram: LatencyHistogram;
  readonly #windowMs: number;
  #base: LatencySnapshot;
  #next: LatencySnapshot;
  #nextAt: number;

  /** Watches `histogram` from `now` (epoch ms) with windows of `windowMs` (default 60 s). */
  constructor(histogram: LatencyHistogram, now: number, windowMs = 60_000) {
    if (!(windowMs > 0)) {
      throw new RangeError(`Invalid window ${windowMs} ms: expected more than 0`);
    }
    this.#histogram = histogram;
    this.#windowMs = windowMs;
    this.#base = this.#next = histogram.snapshot();
    this.#nextAt = now;
  }

  /** What was recorded in the recent window as of `now` (epoch ms). */
  recent(now: number): LatencySnapshot {
    const current = this.#histogram.snapshot();
    if (now - this.#nextAt >= this.#windowMs) {
      this.#base = this.#next;
      this.#next = current;
      this.#nextAt = now;
    }
    return current.since(this.#base);
  }
}
