/**
 * A small structured logger: one line per entry on stderr, as text
 * (`2026-11-21T10:00:00.000Z INFO message key=value`) or as JSON
 * (`{"time":…,"level":"info","msg":…,…fields}`), and a rate limit for noisy warnings.
 *
 * @module
 */

/** How much is logged: `quiet` warnings and errors, `info` also info, `verbose` also debug. */
export type LogLevel = "quiet" | "info" | "verbose";
/** Line format. */
export type LogFormat = "text" | "json";
/** Extra key-value pairs of an entry. */
export type LogFields = Record<string, unknown>;

/** Writes entries at four severities. */
export interface Logger {
  /** Detail for `verbose` only. */
  debug(message: string, fields?: LogFields): void;
  /** Normal progress. */
  info(message: string, fields?: LogFields): void;
  /** Something went wrong and was handled. */
  warn(message: string, fields?: LogFields): void;
  /** Something went wrong and was not handled. */
  error(message: string, fields?: LogFields): void;
  /** A logger adding `fields` to every entry. */
  child(fields: LogFields): Logger;
}

/** Options of {@linkcode createLogger}. */
export interface LoggerOptions {
  /** Line format; default `"text"`. */
  format?: LogFormat;
  /** Default `"info"`. */
  level?: LogLevel;
  /** Receives each line without newline; default writes it to stderr. */
  write?: (line: string) => void;
  /** Receives each entry unformatted instead of `write` (e.g. to keep them in a test). */
  onEntry?: (entry: LogEntry) => void;
  /** Clock, epoch ms; default `Date.now`. */
  now?: () => number;
}

/** Severity of an entry: the name of the {@linkcode Logger} method called. */
export type Severity = "debug" | "info" | "warn" | "error";

/** One entry, before formatting: its fields over those of the `child()` chain that wrote it. */
export interface LogEntry {
  /** Epoch ms. */
  time: number;
  level: Severity;
  message: string;
  fields: LogFields;
}
const RANK: Record<Severity, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const MIN_RANK: Record<LogLevel, number> = { verbose: 0, info: 1, quiet: 2 };
const RESERVED = new Set(["time", "level", "msg"]);

function plain(value: unknown): unknown {
  if (value instanceof Error) return value.message;
  if (typeof value === "bigint") return value.toString();
  return value;
}

function json(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v) => plain(v)) ?? String(value);
  } catch {
    return JSON.stringify(String(value));
  }
}

/** A text value: bare when it is a simple word or number, else JSON-quoted (one line always). */
function textValue(value: unknown): string {
  const v = plain(value);
  if (typeof v === "string") return /^[^\s"=\\\p{C}]+$/u.test(v) ? v : JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean" || v === null) return String(v);
  return json(v);
}

/** The message with control characters escaped, so one entry stays one line. */
function oneLine(message: string): string {
  return message.replace(/\p{Cc}/gu, (c) => JSON.stringify(c).slice(1, -1));
}

/** One entry as a line. */
function formatEntry(format: LogFormat, entry: LogEntry): string {
  const time = new Date(entry.time).toISOString();
  const fields = Object.entries(entry.fields).filter(([, v]) => v !== undefined);
  if (format === "json") {
    const object: Record<string, unknown> = { time, level: entry.level, msg: entry.message };
    for (const [key, value] of fields) object[RESERVED.has(key) ? `${key}_` : key] = value;
    return json(object);
  }
  const pairs = fields.map(([key, value]) => ` ${oneLine(key)}=${textValue(value)}`).join("");
  return `${time} ${entry.level.toUpperCase()} ${oneLine(entry.message)}${pairs}`;
}

function writeStderr(line: string): void {
  console.error(line);
}

/** A logger writing entries at or above `level` in `format`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? "text";
  const min = MIN_RANK[options.level ?? "info"];
  const write = options.write ?? writeStderr;
  const onEntry = options.onEntry ?? ((entry: LogEntry) => write(formatEntry(format, entry)));
  const now = options.now ?? Date.now;
  const make = (base: LogFields): Logger => {
    const log = (level: Severity) => (message: string, fields: LogFields = {}) => {
      if (RANK[level] < min) return;
      onEntry({ time: now(), level, message, fields: { ...base, ...fields } });
    };
    return {
      debug: log("debug"),
      info: log("info"),
      warn: log("warn"),
      error: log("error"),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make({});
}

/** A {@linkcode Logger} that drops every entry (a default where none is given); `child` returns itself. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};

/** A {@linkcode Logger} that lets one entry through per interval and counts the rest. */
export interface RateLimitedLogger extends Logger {
  /** Reports entries suppressed since the last one let through, if any. */
  flush(): void;
}

/**
 * Wraps `logger` for a noisy kind of entry named `key` (e.g. `"malformed-frame"`): at most one
 * entry per `intervalMs` gets through, carrying `suppressed=N`, the number dropped before it.
 */
export function rateLimited(
  logger: Logger,
  key: string,
  intervalMs: number,
  options: { now?: () => number } = {},
): RateLimitedLogger {
  const now = options.now ?? Date.now;
  let last = -Infinity;
  let suppressed = 0;
  let suppressedLevel: Severity = "warn";
  const log = (level: Severity) => (message: string, fields: LogFields = {}) => {
    const t = now();
    if (t - last < intervalMs) {
      suppressed++;
      suppressedLevel = level;
      return;
    }
    last = t;
    logger[level](message, suppressed > 0 ? { ...fields, suppressed } : fields);
    suppressed = 0;
  };
  return {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    child: (fields) => rateLimited(logger.child(fields), key, intervalMs, options),
    flush() {
      if (suppressed === 0) return;
      logger[suppressedLevel](`${key}: ${suppressed} similar entries suppressed`, {
        suppressed,
      });
      suppressed = 0;
    },
  };
}
