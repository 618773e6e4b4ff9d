/**
 * The REST request-weight budget of the process. Binance counts weight per IP in calendar minutes
 * (`X-MBX-USED-WEIGHT-1M`, reset at each minute) and answers 429 past the limit, then 418 (a ban)
 * to clients that keep going. We spend at most a share of the limit, believe the header when it
 * says more was used (other clients on the IP, or clock skew at the minute boundary), and after a
 * 429 or 418 send nothing at all until its `Retry-After` has passed.
 *
 * Spending half the limit keeps us safe even if our minute boundary is off from the server's: at
 * worst two of our half-minutes land in one of its minutes.
 *
 * @module
 */

/** Options of {@linkcode WeightBudget}. */
export interface WeightBudgetOptions {
  /** Weight we allow ourselves per window (the limit × our share). */
  budget: number;
  /** Length of Binance's weight window, ms; a minute. */
  windowMs?: number;
}

/** Book-keeping of the weight used in the current window and of any `Retry-After` block. */
export class WeightBudget {
  /** Weight we allow ourselves per window. */
  budget: number;
  readonly windowMs: number;
  #window = -1;
  #spent = 0;
  #reported = 0;
  #blockedUntil = 0;

  /** Creates a budget with nothing spent. */
  constructor(options: WeightBudgetOptions) {
    this.budget = options.budget;
    this.windowMs = options.windowMs ?? 60_000;
    if (!(this.budget > 0)) {
      throw new RangeError(`Invalid weight budget ${this.budget}: expected more than 0`);
    }
  }

  #roll(now: number): void {
    const window = Math.floor(now / this.windowMs);
    if (window !== this.#window) {
      this.#window = window;
      this.#spent = 0;
      this.#reported = 0;
    }
  }

  /** Weight counted as used in the window of `now`: ours, or the server's figure if higher. */
  used(now: number): number {
    this.#roll(now);
    return Math.max(this.#spent, this.#reported);
  }

  /** Time a request of `weight` must wait at `now`, ms (0: send now). */
  waitFor(weight: number, now: number): number {
    if (now < this.#blockedUntil) return this.#blockedUntil - now;
    const used = this.used(now);
    if (used === 0 || used + weight <= this.budget) return 0;
    return (this.#window + 1) * this.windowMs - now;
  }

  /** Counts a request of `weight` sent at `now`. */
  spend(weight: number, now: number): void {
    this.#roll(now);
    this.#spent += weight;
  }

  /** Takes note of a response's `X-MBX-USED-WEIGHT-1M` figure, received at `now`. */
  report(usedWeight: number, now: number): void {
    if (!Number.isFinite(usedWeight) || usedWeight < 0) return;
    this.#roll(now);
    this.#reported = Math.max(this.#reported, usedWeight);
  }

  /** After a 429 or 418: no request at all before `now + retryAfterMs`. */
  block(retryAfterMs: number, now: number): void {
    this.#blockedUntil = Math.max(this.#blockedUntil, now + retryAfterMs);
  }

  /** End of the current `Retry-After` block (epoch ms), or 0 when none was ever set. */
  get blockedUntil(): number {
    return this.#blockedUntil;
  }
}
