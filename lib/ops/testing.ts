/**
 * Test helpers of the operations modules.
 *
 * @module
 */
import type { LogFields, Logger, LogLevel } from "./logger.ts";

/** One captured log line. */
export interface CapturedLine {
  level: LogLevel;
  msg: string;
  fields: LogFields;
}

/** A {@linkcode Logger} that keeps every line; `until(n)` resolves once `n` lines were logged. */
export function captureLogs(): {
  lines: CapturedLine[];
  logger: Logger;
  until(n: number): Promise<void>;
} {
  const lines: CapturedLine[] = [];
  let wake: (() => void) | null = null;
  return {
    lines,
    logger: (level, msg, fields = {}) => {
      lines.push({ level, msg, fields });
      wake?.();
    },
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
