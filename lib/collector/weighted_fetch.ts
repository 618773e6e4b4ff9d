/**
 * The one way the process sends a REST request to the exchange (depth snapshots, `exchangeInfo`,
 * clock checks): within the shared {@linkcode WeightBudget}. Nothing is sent while the budget is
 * blocked after a 429 or 418 (the exchange bans an IP that keeps sending); the request's weight is
 * counted; the server's `X-MBX-USED-WEIGHT-1M` figure is taken; a 429 or 418 blocks every request
 * for its `Retry-After`. Waiting for room in the budget is the caller's business (the snapshot
 * scheduler queues, discovery sleeps); this only refuses to send while blocked.
 *
 * @module
 */
import { USED_WEIGHT_HEADER } from "../binance/limits.ts";
import type { WeightBudget } from "./weight_budget.ts";

/** `Retry-After` assumed when a 429 comes without one, ms. */
export const DEFAULT_429_MS = 60_000;
/** `Retry-After` assumed when a 418 (IP banned) comes without one, ms. */
export const DEFAULT_418_MS = 120_000;

/** A request not sent: every request waits out a 429's or 418's `Retry-After`. */
export class RestBlockedError extends Error {
  /** `forMs`: how long the block still lasts. */
  constructor(readonly forMs: number) {
    super(
      `REST requests are paused for ${Math.ceil(forMs / 1000)} s after a 429 or 418 ` +
        `(Retry-After): not sent`,
    );
    this.name = "RestBlockedError";
  }
}

/** How one request is sent. */
export interface WeightedFetchOptions {
  /** The process's budget. */
  budget: WeightBudget;
  /** Request weight (e.g. `depthWeight(limit)`). */
  weight: number;
  /** HTTP client; the global `fetch` by default. */
  fetch?: typeof fetch;
  /** Clock, epoch ms; `Date.now` by default. */
  now?: () => number;
  /** Aborts the request. */
  signal?: AbortSignal;
  /** `Retry-After` assumed for a 429 without one; {@linkcode DEFAULT_429_MS} by default. */
  default429Ms?: number;
  /** `Retry-After` assumed for a 418 without one; {@linkcode DEFAULT_418_MS} by default. */
  default418Ms?: number;
}

/** An answer, and how long requests are now blocked when it was a 429 or 418. */
export interface WeightedAnswer {
  response: Response;
  /** The block a 429 or 418 set, ms; `null` for any other status. */
  limitedMs: number | null;
}

/** Parses `Retry-After` (seconds); `null` when absent or not a number. */
export function retryAfterMs(headers: Headers): number | null {
  const value = headers.get("Retry-After");
  if (value === null || value.trim() === "") return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

/**
 * Sends one request within the budget; throws {@linkcode RestBlockedError} (sending nothing)
 * while the budget is blocked, and whatever `fetch` throws. The caller reads the response (and
 * must consume or cancel its body).
 */
export async function weightedFetch(
  url: string,
  options: WeightedFetchOptions,
): Promise<WeightedAnswer> {
  const { budget } = options;
  const now = options.now ?? Date.now;
  const t = now();
  if (budget.blockedUntil > t) throw new RestBlockedError(budget.blockedUntil - t);
  budget.spend(options.weight, t);
  const base = options.fetch ?? fetch;
  const response = await base(url, options.signal ? { signal: options.signal } : {});
  const used = response.headers.get(USED_WEIGHT_HEADER);
  if (used !== null) budget.report(Number(used), now());
  if (response.status !== 429 && response.status !== 418) return { response, limitedMs: null };
  const limitedMs = retryAfterMs(response.headers) ??
    (response.status === 429
      ? options.default429Ms ?? DEFAULT_429_MS
      : options.default418Ms ?? DEFAULT_418_MS);
  budget.block(limitedMs, now());
  return { response, limitedMs };
}
