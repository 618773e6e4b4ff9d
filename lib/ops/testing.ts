/**
 * Test helpers of the operations modules.
 *
 * @module
 */
import type { LogFields, Logger } from "../cli/log.ts";

/** Severity of a captured entry: the name of the {@linkcode Logger} method called. */
export type CapturedLevel = "debug" | "info" | "warn" | "error";

/** One captured log entry. */
export interface CapturedLine {
  level: CapturedLevel;
  msg: string;
  /** The entry's fields over those of the `child()` chain that wrote it. */
  fields: LogFields;
}

/**
 * A {@linkcode Logger} that keeps every entry, those of its children too, in `lines`;
 * `until(n)` resolves once `n` entries were logged.
 */
export function captureLogs(): {
  lines: CapturedLine[];
  logger: Logger;
  until(n: number): Promise<void>;
} {
  const lines: CapturedLine[] = [];
  let wake: (() => void) | null = null;
  const make = (base: LogFields): Logger => {
    const log = (level: CapturedLevel) => (msg: string, fields: LogFields = {}) => {
      lines.push({ level, msg, fields: { ...base, ...fields } });
      wake?.();
    };
    return {
      debug: log("debug"),
      info: log("info"),
      warn: log("warn"),
      error: log("error"),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return {
    lines,
    logger: make({}),
    until(n) {
      if (lines.length >= n) return Promise.resolve();
      return new Promise((resolve) => {
        wake = () => {
          if (lines.length >= n) {
            wake = null;
            resolve();
          }
        };
      });
    },
  };
}
