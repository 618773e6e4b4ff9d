/**
 * Test helpers of the operations modules.
 *
 * @module
 */
import { createLogger, type LogFields, type Logger, type Severity } from "../../lib/util/log.ts";

/** One captured log entry. */
export interface CapturedLine {
  level: Severity;
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
  const logger = createLogger({
    level: "verbose",
    onEntry: ({ level, message, fields }) => {
      lines.push({ level, msg: message, fields });
      wake?.();
    },
  });
  return {
    lines,
    logger,
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
