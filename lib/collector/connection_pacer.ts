/**
 * Pacing of new WebSocket connections, shared by every connection of the process: Binance allows
 * {@linkcode MAX_CONNECTION_ATTEMPTS} attempts per {@linkcode CONNECTION_ATTEMPTS_WINDOW_MS} per IP,
 * and we stay well inside (half of it by default), with a small spacing between attempts so a mass
 * reconnect does not arrive as one burst.
 *
 * @module
 */
import { CONNECTION_ATTEMPTS_WINDOW_MS, MAX_CONNECTION_ATTEMPTS } from "../binance/limits.ts";

/** Options of {@linkcode ConnectionPacer}. */
export interface ConnectionPacerOptions {
  /** Attempts allowed per window; half of Binance's limit by default. */
  maxAttempts?: number;
  /** The sliding window, ms; Binance's by default. */
  windowMs?: number;
  /** Least time between two attempts, ms; 200 by default. */
  minIntervalMs?: number;
}

/**
 * A sliding-window log of connection attempts. {@linkcode ConnectionPacer.reserve} books the next
 * free slot and says how long to wait for it; the caller sleeps, then connects.
 */
export class ConnectionPacer {
  readonly maxAttempts: number;
  readonly windowMs: number;
  readonly minIntervalMs: number;
  #slots: number[] = [];

  /** Creates a pacer with no attempts booked. */
  constructor(options: ConnectionPacerOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? Math.floor(MAX_CONNECTION_ATTEMPTS / 2);
    this.windowMs = options.windowMs ?? CONNECTION_ATTEMPTS_WINDOW_MS;
    this.minIntervalMs = options.minIntervalMs ?? 200;
    if (!(this.maxAttempts >= 1 && this.maxAttempts <= MAX_CONNECTION_ATTEMPTS)) {
      throw new RangeError(
        `Invalid connection attempts ${this.maxAttempts}: expected 1 to ${MAX_CONNECTION_ATTEMPTS}`,
      );
    }
  }

  /** Books an attempt at the earliest allowed time at or after `now`; returns the wait, ms. */
  reserve(now: number): number {
    while (this.#slots.length > 0 && this.#slots[0]! <= now - this.windowMs) this.#slots.shift();
    let at = now;
    const last = this.#slots.at(-1);
    if (last !== undefined) at = Math.max(at, last + this.minIntervalMs);
    if (this.#slots.length >= this.maxAttempts) {
      const oldest = this.#slots[this.#slots.length - this.maxAttempts]!;
      at = Math.max(at, oldest + this.windowMs);
    }
    this.#slots.push(at);
    return at - now;
  }

  /** Attempts booked within the window ending at `now` (including ones booked ahead). */
  booked(now: number): number {
    return this.#slots.filter((t) => t > now - this.windowMs).length;
  }
}
