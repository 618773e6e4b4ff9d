/**
 * Posts alerts to one webhook, outside the record path: {@linkcode AlertSender.send} only queues
 * (never waits, never throws); one loop posts them in order. A network error, a timeout, a 5xx or
 * a 429 is retried with doubling delays (or after `Retry-After`), up to `maxAttempts`; other
 * answers fail at once. The queue is bounded: when it is full the oldest alert is dropped, so a
 * dead webhook costs neither memory nor time. The next alert delivered says how many were lost.
 *
 * The webhook URL often holds a secret (Telegram's bot token, Slack's path): only its host is
 * logged, and it is cut out of error messages.
 *
 * @module
 */
import { retryAfterMs } from "../collector/weighted_fetch.ts";
import type { Logger } from "../util/log.ts";
import { type Alert, type AlertAddress, alertBody } from "./alert_formats.ts";

/** Options of {@linkcode AlertSender}. */
export interface AlertSenderOptions {
  /** Where alerts go. */
  logger: Logger;
  /** HTTP client. Default: global `fetch`. */
  fetch?: typeof fetch;
  /** Clock for `Retry-After` dates, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Waits `ms`, or less when `signal` aborts (tests pass a fake clock's). Default: a timer. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Alerts waiting at most; more drop the oldest. Default 100. */
  maxQueue?: number;
  /** Tries of one alert. Default 5. */
  maxAttempts?: number;
  /** Delay before the first retry; doubles each time. Default 1000. */
  retryBaseMs?: number;
  /** Longest delay between tries, `Retry-After` included. Default 300000. */
  retryMaxMs?: number;
  /** One request's time limit. Default 10000. */
  timeoutMs?: number;
}

/** Counters of a sender. */
export interface AlertSenderStats {
  /** Waiting, and being posted. */
  queued: number;
  /** Delivered (2xx). */
  sent: number;
  /** Given up after the last try, or refused by the webhook. */
  failed: number;
  /** Dropped unsent: queue full, or still queued at shutdown. */
  dropped: number;
  /** Tries after the first. */
  retries: number;
}

/** One answer of the webhook, or none. */
type Outcome = { ok: true } | { ok: false; retry: boolean; afterMs: number | null; why: string };

/** A timer that ends early when `signal` aborts. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

/** `Retry-After` as seconds or as an HTTP date; `null` when absent or unreadable. */
export function retryAfter(headers: Headers, now: number): number | null {
  const seconds = retryAfterMs(headers);
  if (seconds !== null) return seconds;
  const date = Date.parse(headers.get("Retry-After") ?? "");
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Queues alerts and posts them to one webhook, one at a time. */
export class AlertSender {
  readonly #webhook: string;
  readonly #host: string;
  readonly #address: AlertAddress;
  readonly #log: Logger;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #maxQueue: number;
  readonly #maxAttempts: number;
  readonly #retryBaseMs: number;
  readonly #retryMaxMs: number;
  readonly #timeoutMs: number;
  readonly #queue: Alert[] = [];
  readonly #abort = new AbortController();
  #running: Promise<void> | null = null;
  #inFlight = 0;
  #closing: Promise<void> | null = null;
  /** Alerts lost (dropped or failed) since the last one delivered. */
  #lost = 0;
  readonly #stats = { sent: 0, failed: 0, dropped: 0, retries: 0 };

  /** A sender posting to `webhook` in the shape of `address`. */
  constructor(webhook: string, address: AlertAddress, options: AlertSenderOptions) {
    this.#webhook = webhook;
    this.#host = new URL(webhook).host;
    this.#address = address;
    this.#log = options.logger;
    this.#fetch = options.fetch ?? fetch;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? abortableSleep;
    this.#maxQueue = options.maxQueue ?? 100;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#retryBaseMs = options.retryBaseMs ?? 1000;
    this.#retryMaxMs = options.retryMaxMs ?? 300_000;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Queues `alert` (dropping the oldest waiting one when full); returns at once. */
  send(alert: Alert): void {
    if (this.#abort.signal.aborted) {
      this.#stats.dropped++;
      return;
    }
    if (this.#queue.length >= this.#maxQueue) {
      const oldest = this.#queue.shift()!;
      this.#stats.dropped++;
      this.#lost++;
      this.#log.warn("alert dropped: queue full", { kind: oldest.kind, queued: this.#maxQueue });
    }
    this.#queue.push(alert);
    this.#running ??= this.#run().finally(() => this.#running = null);
  }

  /** The counters now. */
  stats(): AlertSenderStats {
    return { queued: this.#queue.length + this.#inFlight, ...this.#stats };
  }

  /**
   * Keeps posting what is queued for at most `graceMs`, then gives up (a request in flight is
   * aborted, what still waits is dropped and logged). Later alerts are dropped. Idempotent.
   */
  close(graceMs: number): Promise<void> {
    return this.#closing ??= (async () => {
      const timer = setTimeout(() => this.#abort.abort(), graceMs);
      try {
        while (this.#running) await this.#running;
      } finally {
        clearTimeout(timer);
        this.#abort.abort();
      }
      if (this.#queue.length > 0) {
        this.#log.warn(`${this.#queue.length} alert(s) not sent at shutdown`, {
          webhook: this.#host,
        });
        this.#stats.dropped += this.#queue.length;
        this.#queue.length = 0;
      }
    })();
  }

  async #run(): Promise<void> {
    while (this.#queue.length > 0 && !this.#abort.signal.aborted) {
      const alert = this.#queue.shift()!;
      this.#inFlight = 1;
      try {
        await this.#deliver(alert);
      } finally {
        this.#inFlight = 0;
      }
    }
  }

  /** Tries one alert until it is delivered, refused, or out of tries. */
  async #deliver(alert: Alert): Promise<void> {
    const lost = this.#lost;
    const sending = lost === 0 ? alert : {
      ...alert,
      text: `${alert.text}\n(${lost} earlier alert(s) not delivered)`,
      fields: { ...alert.fields, undelivered: lost },
    };
    const body = alertBody(sending, this.#address);
    for (let attempt = 1;; attempt++) {
      const outcome = await this.#post(body);
      if (outcome.ok) {
        this.#stats.sent++;
        this.#lost = Math.max(0, this.#lost - lost);
        return;
      }
      const last = !outcome.retry || attempt >= this.#maxAttempts || this.#abort.signal.aborted;
      if (last) {
        this.#stats.failed++;
        this.#lost++;
        this.#log.error(`alert not delivered: ${outcome.why}`, {
          kind: alert.kind,
          webhook: this.#host,
          attempts: attempt,
        });
        return;
      }
      const backoff = this.#retryBaseMs * 2 ** (attempt - 1);
      const delay = Math.min(this.#retryMaxMs, outcome.afterMs ?? backoff);
      this.#log.debug(`alert post failed (${outcome.why}), retrying in ${delay} ms`, {
        kind: alert.kind,
        webhook: this.#host,
        attempt,
      });
      this.#stats.retries++;
      await this.#sleep(delay, this.#abort.signal);
    }
  }

  async #post(body: string): Promise<Outcome> {
    const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#timeoutMs)]);
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(this.#webhook, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        signal,
      });
      text = await response.text();
    } catch (error) {
      const why = this.#abort.signal.aborted
        ? "cut short at shutdown"
        : signal.aborted
        ? `no answer within ${this.#timeoutMs} ms`
        : String(error).replaceAll(this.#webhook, this.#host);
      return { ok: false, retry: true, afterMs: null, why };
    }
    if (response.ok) return { ok: true };
    const status = response.status;
    const retry = status === 429 || status === 408 || status >= 500;
    const afterMs = retry ? retryAfter(response.headers, this.#now()) : null;
    const detail = text.trim().slice(0, 200).replaceAll(this.#webhook, this.#host);
    return { ok: false, retry, afterMs, why: `HTTP ${status}${detail ? `: ${detail}` : ""}` };
  }
}
