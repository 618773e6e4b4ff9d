/**
 * The REST request-weight limiter, as the exchange describes it: weight is counted per fixed
 * window (a minute, scaled), a request over the budget gets 429 with `Retry-After` (seconds until
 * the window ends), and a client that sends again before that `Retry-After` has passed is banned:
 * 418 with `Retry-After` (seconds until the ban ends) for every request during the ban. A ban
 * lasts `banMs` (2 minutes scaled: Binance's shortest ban).
 *
 * @module
 */

/** Verdict for one request. */
export type Verdict =
  | { status: 200; usedWeight: number }
  | { status: 429 | 418; usedWeight: number; retryAfterSeconds: number; message: string };

/** Options of {@linkcode RateLimiter}. */
export interface RateLimiterOptions {
  /** Budget per window. */
  weightPerWindow: number;
  /** Window length, real ms. */
  windowMs: number;
  /** Ban length, real ms. */
  banMs: number;
  /** Clock, real ms. */
  clock: () => number;
}

/** Weight accounting for one client (the simulator serves one IP: 127.0.0.1). */
export class RateLimiter {
  #options: RateLimiterOptions;
  #windowStart = 0;
  #used = 0;
  /** Until when a 429 told the client to wait. */
  #backOffUntil = 0;
  #bannedUntil = 0;
  /** Forced 429 (fault) until this time. */
  #throttledUntil = 0;

  /** Creates a limiter. */
  constructor(options: RateLimiterOptions) {
    this.#options = options;
    this.#windowStart = options.clock();
  }

  /** Weight used in the current window. */
  get usedWeight(): number {
    this.#roll();
    return this.#used;
  }

  /** Answers every request with 429 (as if over budget) until `durationMs` from now. */
  throttle(durationMs: number): void {
    this.#throttledUntil = this.#options.clock() + durationMs;
  }

  /** Decides a request of `weight`; `throttleable` says whether the throttle fault applies. */
  check(weight: number, throttleable = true): Verdict {
    const now = this.#options.clock();
    this.#roll();
    if (now < this.#bannedUntil) return this.#ban(now, false);
    if (now < this.#backOffUntil) return this.#ban(now, true);
    if (throttleable && now < this.#throttledUntil) {
      return this.#tooMany(
        now,
        this.#throttledUntil,
        "Too many requests; throttled by the simulator.",
      );
    }
    if (this.#used + weight > this.#options.weightPerWindow) {
      const end = this.#windowStart + this.#options.windowMs;
      return this.#tooMany(
        now,
        end,
        `Too much request weight used; current limit is ${this.#options.weightPerWindow} ` +
          `request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid ` +
          `polling the API.`,
      );
    }
    this.#used += weight;
    return { status: 200, usedWeight: this.#used };
  }

  #tooMany(now: number, until: number, message: string): Verdict {
    const retryAfterSeconds = Math.max(1, Math.ceil((until - now) / 1000));
    this.#backOffUntil = now + retryAfterSeconds * 1000;
    return { status: 429, usedWeight: this.#used, retryAfterSeconds, message };
  }

  #ban(now: number, start: boolean): Verdict {
    if (start) this.#bannedUntil = now + this.#options.banMs;
    this.#backOffUntil = 0;
    const retryAfterSeconds = Math.max(1, Math.ceil((this.#bannedUntil - now) / 1000));
    return {
      status: 418,
      usedWeight: this.#used,
      retryAfterSeconds,
      message: `Way too much request weight used; IP banned until ${this.#bannedUntil}. ` +
        `Please use WebSocket Streams for live updates to avoid bans.`,
    };
  }

  #roll(): void {
    const now = this.#options.clock();
    const { windowMs } = this.#options;
    if (now >= this.#windowStart + windowMs) {
      this.#windowStart += Math.floor((now - this.#windowStart) / windowMs) * windowMs;
      this.#used = 0;
    }
  }
}
