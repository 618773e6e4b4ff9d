/**
 * The logger the collector writes through (the shape `lib/cli/log.ts` creates), and a throttle for
 * lines that could repeat thousands of times a second (malformed frames, crossed books).
 *
 * @module
 */

/** Structured fields of a log line. */
export type LogFields = Record<string, unknown>;

/** A leveled logger: a short human message and structured fields. Must not throw. */
export interface Log {
  /** Detail for debugging. */
  debug(msg: string, fields?: LogFields): void;
  /** Normal operation worth a line. */
  info(msg: string, fields?: LogFields): void;
  /** Something went wrong and was handled. */
  warn(msg: string, fields?: LogFields): void;
  /** Something went wrong and was not handled. */
  error(msg: string, fields?: LogFields): void;
}

/** A logger that drops everything. */
export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Lets one line per key through every `intervalMs`; counts the ones held back so the next line can
 * say how many were suppressed.
 */
export class LogThrottle {
  #last = new Map<string, { at: number; suppressed: number }>();

  /** Creates a throttle letting a key through at most once per `intervalMs`. */
  constructor(readonly intervalMs: number) {}

  /**
   * Whether a line for `key` may be written at `now`; when it may, also the number of lines held
   * back since the previous one (0 for the first).
   */
  allow(key: string, now: number): { ok: true; suppressed: number } | { ok: false } {
    const entry = this.#last.get(key);
    if (entry !== undefined && now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return { ok: false };
    }
    const suppressed = entry?.suppressed ?? 0;
    this.#last.set(key, { at: now, suppressed: 0 });
    return { ok: true, suppressed };
  }
}
