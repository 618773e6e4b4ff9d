/**
 * One scheduler of REST depth snapshots for every symbol. It spends at most the weight budget
 * (see {@linkcode WeightBudget}), asks each symbol for the depth it needs (see
 * {@linkcode SnapshotDepths}), serves waiting symbols fairly (first come, first served, resyncs
 * and cold starts taking turns, so that neither starves the other), honours 429/418
 * `Retry-After` to the millisecond (nothing at all is sent before it passes) and retries failures
 * with backoff. A cold start of 300 symbols at weight 250 simply takes its time;
 * {@linkcode SnapshotScheduler.etaMs} says how long.
 *
 * @module
 */
import { type Market, marketDepthWeight } from "../binance/limits.ts";
import { parseDepthSnapshot } from "../binance/parse.ts";
import type { DepthSnapshot } from "../binance/types.ts";
import { depthUrl } from "../binance/urls.ts";
import { receiveTime } from "../recording/records.ts";
import { Backoff } from "./backoff.ts";
import { type Logger, silentLogger } from "../util/log.ts";
import type { WeightBudget } from "./weight_budget.ts";
import { SnapshotDepths } from "./snapshot_depth.ts";
import { weightedFetch } from "./weighted_fetch.ts";

/** Resyncs (a symbol lost its book) and cold starts (a symbol never had one) take turns. */
export type SnapshotPriority = "resync" | "start";

/** Options of {@linkcode SnapshotScheduler}. */
export interface SnapshotSchedulerOptions {
  /** REST base URL. */
  restUrl: string;
  /** The market: its depth path, weights and tiers; spot by default. */
  market?: Market;
  /**
   * `limit` of each depth request (its weight comes from {@linkcode marketDepthWeight}), or `"auto"`:
   * per symbol, see {@linkcode SnapshotDepths}.
   */
  limit: number | "auto";
  /** The process's weight budget, shared with other REST calls. */
  budget: WeightBudget;
  /** Receives each snapshot with its local receive time. */
  onSnapshot(symbol: string, snapshot: DepthSnapshot, recv: number): void;
  /** Told just before a request of `symbol` is sent. */
  onDispatch?(symbol: string): void;
  /** HTTP client; the global `fetch` by default. */
  fetch?: typeof fetch;
  /** Clock, epoch ms; `Date.now` by default. */
  now?: () => number;
  /** Where waits and failures are logged. */
  log?: Logger;
  /** Requests in flight at once; 1 by default, so a 429 can never be followed by a request. */
  concurrency?: number;
  /** Wait after a failed request (network, 5xx, bad body), growing to 30 s. */
  retryBaseMs?: number;
  /** `Retry-After` assumed when a 429 comes without one, ms. */
  default429Ms?: number;
  /** `Retry-After` assumed when a 418 comes without one, ms. */
  default418Ms?: number;
}

/** Counters of the scheduler. */
export interface SnapshotStats {
  /** Requests sent. */
  requested: number;
  /** Snapshots received and parsed. */
  received: number;
  /** Requests that failed (network, status, body). */
  failed: number;
  /** 429 answers. */
  status429: number;
  /** 418 answers. */
  status418: number;
  /** Weight counted as sent. */
  weightSent: number;
  /** Requests sent, by `limit`. */
  byLimit: Record<number, number>;
}

type Resolved = Required<Omit<SnapshotSchedulerOptions, "onDispatch">> & {
  onDispatch?: (symbol: string) => void;
};

/** Queues snapshot requests and sends them within the weight budget. */
export class SnapshotScheduler {
  readonly stats: SnapshotStats = {
    requested: 0,
    received: 0,
    failed: 0,
    status429: 0,
    status418: 0,
    weightSent: 0,
    byLimit: {},
  };
  #o: Resolved;
  #depths: SnapshotDepths;
  /** Which queue goes first when both have symbols waiting. */
  #turn: SnapshotPriority = "resync";
  #queues: Record<SnapshotPriority, Set<string>> = { resync: new Set(), start: new Set() };
  #inFlight = new Map<string, AbortController>();
  #running = new Set<Promise<void>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = 0;
  #closed = false;
  #retry: Backoff;
  #retryUntil = 0;

  /** Creates an idle scheduler. */
  constructor(options: SnapshotSchedulerOptions) {
    this.#o = {
      fetch: (input, init) => fetch(input, init),
      now: Date.now,
      log: silentLogger,
      concurrency: 1,
      retryBaseMs: 1000,
      default429Ms: 60_000,
      default418Ms: 120_000,
      market: "spot",
      ...options,
    };
    this.#depths = new SnapshotDepths(options.limit, options.market ?? "spot");
    this.#retry = new Backoff({
      baseMs: this.#o.retryBaseMs,
      maxMs: Math.max(this.#o.retryBaseMs, 30_000),
    });
  }

  /** The depth of each symbol's requests. */
  get depths(): SnapshotDepths {
    return this.#depths;
  }

  /** Weight of the next request of `symbol`. */
  weightOf(symbol: string): number {
    return this.#depths.weightFor(symbol);
  }

  /**
   * About how long until every queued request has been sent, ms, at the budget's pace: the wait
   * for the next one, then the others in order, a window's budget at a time.
   */
  etaMs(): number {
    const next = this.nextInMs();
    if (next === null) return 0;
    const budget = this.#o.budget;
    let windows = 0;
    let room = 0;
    let first = true;
    for (const symbol of [...this.#queues.resync, ...this.#queues.start]) {
      if (first) {
        first = false;
        continue;
      }
      const w = this.weightOf(symbol);
      if (w > room) {
        windows++;
        room = budget.budget;
      }
      room -= w;
    }
    return next + windows * budget.windowMs;
  }

  /** Asks for a snapshot of `symbol`; a resync overtakes a queued cold start of the same symbol. */
  request(symbol: string, priority: SnapshotPriority): void {
    if (this.#closed || this.#inFlight.has(symbol) || this.#queues.resync.has(symbol)) return;
    if (priority === "resync") this.#queues.start.delete(symbol);
    else if (this.#queues.start.has(symbol)) return;
    this.#queues[priority].add(symbol);
    this.#pump();
  }

  /** Forgets a queued request of `symbol` (a request in flight still answers). */
  cancel(symbol: string): void {
    this.#queues.resync.delete(symbol);
    this.#queues.start.delete(symbol);
  }

  /** Requests waiting to be sent. */
  get queued(): number {
    return this.#queues.resync.size + this.#queues.start.size;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Whether a request of `symbol` is queued or in flight. */
  has(symbol: string): boolean {
    return this.#inFlight.has(symbol) || this.#queues.resync.has(symbol) ||
      this.#queues.start.has(symbol);
  }

  /** Time until the next request can be sent, ms, or `null` when none is queued. */
  nextInMs(): number | null {
    if (this.queued === 0) return null;
    const now = this.#o.now();
    const head = this.#peek();
    const weight = head === undefined ? 0 : this.weightOf(head.symbol);
    return Math.max(0, this.#o.budget.waitFor(weight, now), this.#retryUntil - now);
  }

  /** Stops sending, aborts requests in flight and waits for them to settle. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const controller of this.#inFlight.values()) controller.abort();
    await Promise.allSettled([...this.#running]);
  }

  /** The symbol to send next: the queue whose turn it is, else the other. */
  #peek(): { symbol: string; priority: SnapshotPriority } | undefined {
    const order: SnapshotPriority[] = this.#turn === "resync"
      ? ["resync", "start"]
      : ["start", "resync"];
    for (const priority of order) {
      for (const symbol of this.#queues[priority]) return { symbol, priority };
    }
    return undefined;
  }

  #wake(delayMs: number): void {
    const at = this.#o.now() + delayMs;
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, Math.max(0, Math.ceil(delayMs)));
  }

  #pump(): void {
    while (!this.#closed && this.queued > 0 && this.#inFlight.size < this.#o.concurrency) {
      const head = this.#peek();
      if (head === undefined) return;
      const { symbol, priority } = head;
      const limit = this.#depths.limitFor(symbol);
      const weight = marketDepthWeight(this.#o.market, limit);
      const now = this.#o.now();
      const wait = Math.max(this.#o.budget.waitFor(weight, now), this.#retryUntil - now);
      if (wait > 0) {
        this.#wake(wait);
        return;
      }
      this.#queues[priority].delete(symbol);
      this.#turn = priority === "resync" ? "start" : "resync";
      this.stats.requested++;
      this.stats.weightSent += weight;
      this.stats.byLimit[limit] = (this.stats.byLimit[limit] ?? 0) + 1;
      const controller = new AbortController();
      this.#inFlight.set(symbol, controller);
      this.#o.onDispatch?.(symbol);
      const running = this.#fetch(symbol, limit, controller.signal).finally(() => {
        if (this.#inFlight.get(symbol) === controller) this.#inFlight.delete(symbol);
        this.#running.delete(running);
        this.#pump();
      });
      this.#running.add(running);
    }
  }

  async #fetch(symbol: string, limit: number, signal: AbortSignal): Promise<void> {
    const market = this.#o.market;
    const url = depthUrl(this.#o.restUrl, symbol, limit, market);
    let status = 0;
    try {
      const { response, limitedMs } = await weightedFetch(url, {
        budget: this.#o.budget,
        weight: marketDepthWeight(market, limit),
        fetch: this.#o.fetch,
        now: this.#o.now,
        signal,
        default429Ms: this.#o.default429Ms,
        default418Ms: this.#o.default418Ms,
      });
      status = response.status;
      if (limitedMs !== null) {
        await response.body?.cancel();
        this.#limited(symbol, status as 429 | 418, limitedMs);
        return;
      }
      const text = await response.text();
      if (status !== 200) throw new Error(`HTTP ${status}: ${text.slice(0, 200)}`);
      const snapshot = parseDepthSnapshot(text);
      this.#depths.observe(symbol, limit, Math.max(snapshot.bids.length, snapshot.asks.length));
      this.stats.received++;
      this.#retry.reset();
      // Answered: a request made while handling the answer (e.g. too old) is a new one.
      if (this.#inFlight.get(symbol)?.signal === signal) this.#inFlight.delete(symbol);
      this.#o.onSnapshot(symbol, snapshot, receiveTime());
    } catch (error) {
      if (this.#closed) return;
      this.stats.failed++;
      const delay = this.#retry.next();
      this.#retryUntil = Math.max(this.#retryUntil, this.#o.now() + delay);
      this.#o.log.warn(`Depth snapshot of ${symbol} failed; retrying in ${fmtMs(delay)}`, {
        symbol,
        status,
        error: error instanceof Error ? error.message : String(error),
      });
      this.#queues.resync.add(symbol);
    }
  }

  /** A 429 or 418 (the budget is blocked for `waitMs` already): the symbol goes first again. */
  #limited(symbol: string, status: 429 | 418, waitMs: number): void {
    if (status === 429) this.stats.status429++;
    else this.stats.status418++;
    this.#o.log.warn(
      `REST answered ${status} for ${symbol}: no request for ${fmtMs(waitMs)} (Retry-After)`,
      { symbol, status, retryAfterMs: waitMs },
    );
    this.#queues.resync = new Set([symbol, ...this.#queues.resync]);
    this.#turn = "resync";
  }
}

/** `2500` → `"2.5 s"`, `120` → `"120 ms"`. */
export function fmtMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** `2500` → `"2.5 s"`, `252000` → `"4.2 min"`, `7560000` → `"2.1 h"`. */
export function fmtDuration(ms: number): string {
  if (ms < 60_000) return fmtMs(ms);
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
