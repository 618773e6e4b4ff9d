/**
 * The logger the operations modules write through: a level, a short human message and structured
 * fields. Text and JSON rendering, `--quiet` and `--verbose` belong to the logger's implementation;
 * these modules only promise that every number worth alerting on travels in `fields`.
 *
 * @module
 */

/** Severity of a log line. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Structured fields of a log line; JSON logs carry them as top-level fields. */
export type LogFields = Record<string, unknown>;

/** Writes one log line. Must not throw. */
export type Logger = (level: LogLevel, msg: string, fields?: LogFields) => void;

/** A logger that drops everything (the default where none is given). */
export const silentLogger: Logger = () => {};

/** A logger with one method per severity, such as the one of `lib/cli/log.ts`. */
export interface LevelLogger {
  /** Detail. */
  debug(msg: string, fields?: LogFields): void;
  /** Normal progress. */
  info(msg: string, fields?: LogFields): void;
  /** Handled trouble. */
  warn(msg: string, fields?: LogFields): void;
  /** Unhandled trouble. */
  error(msg: string, fields?: LogFields): void;
}

/** Adapts a {@linkcode LevelLogger} to the {@linkcode Logger} these modules take. */
export function logTo(target: LevelLogger): Logger {
  return (level, msg, fields) => target[level](msg, fields);
}
