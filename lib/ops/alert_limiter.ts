/**
 * The rate limit of alerts: the same key (kind and symbol, e.g. `out-of-sync:ETHUSDT`) at most
 * once per `repeatAfterMs`, and at most `maxPerHour` messages in any hour. What is held back is
 * counted, so that the next message admitted for a key can say how many were suppressed.
 *
 * @module
 */

/** Options of {@linkcode AlertLimiter}. */
export interface AlertLimiterOptions {
  /** Shortest time between two messages of one key. */
  repeatAfterMs: number;
  /** Most messages in any hour, all keys together. */
  maxPerHour: number;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** What {@linkcode AlertLimiter.admit} lets through. */
export interface Admission {
  /** The keys admitted, in the order asked. */
  keys: string[];
  /** Per admitted key, how many of its alerts were held back since its last message. */
  suppressed: Map<string, number>;
  /** Messages the hourly cap held back since the last message admitted. */
  heldByCap: number;
}

const HOUR_MS = 3_600_000;

/** Decides which alerts may be sent now. */
export class AlertLimiter {
  readonly #repeatAfterMs: number;
  readonly #maxPerHour: number;
  readonly #now: () => number;
  /** Last message of each key, epoch ms. */
  readonly #last = new Map<string, number>();
  readonly #suppressed = new Map<string, number>();
  /** Times of the messages of the last hour, oldest first. */
  #sent: number[] = [];
  #heldByCap = 0;

  /** A limiter with the given limits. */
  constructor(options: AlertLimiterOptions) {
    this.#repeatAfterMs = options.repeatAfterMs;
    this.#maxPerHour = options.maxPerHour;
    this.#now = options.now ?? Date.now;
  }

  /**
   * One message about `keys` (one or several symbols of one kind): the keys it may carry, or
   * `null` when none (each refused key counts as suppressed). An admitted message spends one of the
   * hour's messages.
   */
  admit(keys: readonly string[]): Admission | null {
    const now = this.#now();
    this.#sent = this.#sent.filter((t) => now - t < HOUR_MS);
    const open = keys.filter((key) =>
      now - (this.#last.get(key) ?? -Infinity) >= this.#repeatAfterMs
    );
    if (open.length < keys.length) {
      for (const key of keys) if (!open.includes(key)) this.#count(key);
    }
    if (open.length === 0) return null;
    if (this.#sent.length >= this.#maxPerHour) {
      for (const key of open) this.#count(key);
      this.#heldByCap++;
      return null;
    }
    this.#sent.push(now);
    const suppressed = new Map<string, number>();
    for (const key of open) {
      this.#last.set(key, now);
      suppressed.set(key, this.#suppressed.get(key) ?? 0);
      this.#suppressed.delete(key);
    }
    const heldByCap = this.#heldByCap;
    this.#heldByCap = 0;
    this.#prune(now);
    return { keys: open, suppressed, heldByCap };
  }

  /** Alerts held back so far and not yet reported, all keys together. */
  pending(): number {
    let n = 0;
    for (const count of this.#suppressed.values()) n += count;
    return n;
  }

  #count(key: string): void {
    this.#suppressed.set(key, (this.#suppressed.get(key) ?? 0) + 1);
  }

  /** Forgets keys whose window passed with nothing held back (the map stays small). */
  #prune(now: number): void {
    if (this.#last.size < 1024) return;
    for (const [key, at] of this.#last) {
      if (now - at >= this.#repeatAfterMs && !this.#suppressed.has(key)) this.#last.delete(key);
    }
  }
}
