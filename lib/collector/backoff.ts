/**
 * Reconnect delays: capped exponential backoff with jitter, for ever. The collector never gives up
 * on a connection; it only waits longer, up to a cap, between attempts.
 *
 * @module
 */

/** Options of {@linkcode Backoff}. */
export interface BackoffOptions {
  /** First delay before jitter, ms. */
  baseMs: number;
  /** Largest delay, ms. */
  maxMs: number;
  /** Source of randomness in [0, 1); `Math.random` by default. */
  random?: () => number;
}

/**
 * Delays of successive attempts: attempt n waits a random time in [d/2, d] where
 * d = min(maxMs, baseMs × 2^n). "Equal jitter" keeps a floor, so a crowd of reconnecting clients
 * spreads out without any of them hammering the server.
 */
export class Backoff {
  #baseMs: number;
  #maxMs: number;
  #random: () => number;
  #attempt = 0;

  /** Creates a backoff at attempt 0. */
  constructor(options: BackoffOptions) {
    if (!(options.baseMs > 0)) {
      throw new RangeError(`Invalid backoff base ${options.baseMs} ms: expected more than 0`);
    }
    if (!(options.maxMs >= options.baseMs)) {
      throw new RangeError(
        `Invalid backoff cap ${options.maxMs} ms: expected at least the base ${options.baseMs} ms`,
      );
    }
    this.#baseMs = options.baseMs;
    this.#maxMs = options.maxMs;
    this.#random = options.random ?? Math.random;
  }

  /** Number of delays handed out since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt, ms; each call moves one attempt further. */
  next(): number {
    const ceiling = Math.min(this.#maxMs, this.#baseMs * 2 ** Math.min(this.#attempt, 52));
    this.#attempt++;
    return ceiling / 2 + this.#random() * ceiling / 2;
  }

  /** Starts again from the base delay (after a connection proved healthy). */
  reset(): void {
    this.#attempt = 0;
  }
}
