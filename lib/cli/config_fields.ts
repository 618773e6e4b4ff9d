/**
 * One entry per configuration key: its flag argument, its one-line description and the check
 * that turns a JSON value (from a file, or parsed from a flag) into the typed setting. The mapped
 * type makes forgetting a key a compile error.
 *
 * @module
 */
import {
  CONNECTION_LIFETIME_MS,
  MARKETS,
  MAX_DEPTH_LIMIT,
  MAX_REDUNDANCY,
  MAX_STREAMS_PER_CONNECTION,
} from "../binance/limits.ts";
import { STREAM_KINDS, type StreamKind } from "../binance/types.ts";
import { parseListenAddr } from "../util/listen_addr.ts";
import type { AlertsConfig, CollectorConfig } from "./config.ts";
import { isSymbol, SYMBOL_EXPECTED } from "../util/symbol.ts";
import { MAX_SHARDS, parseShard } from "../util/shard.ts";

/** A value a key does not accept; `expected` completes "…: expected …". */
export class FieldError extends Error {
  /** `item` names the offending element of a list (`{ noun: "symbol", value: "btc/usdt" }`). */
  constructor(readonly expected: string, readonly item?: { noun: string; value: unknown }) {
    super(`expected ${expected}`);
    this.name = "FieldError";
  }
}

/** How one key is written, described and checked. */
export interface FieldSpec<T> {
  /** Placeholder of the flag's argument in the help (`"N"`, `"URL"`); `""` for a boolean flag. */
  arg: string;
  /** One line for the help and the README. */
  doc: string;
  /** The typed value of a JSON value; throws {@linkcode FieldError}. */
  check(value: unknown): T;
  /** The JSON value a flag's text stands for (default: the text itself). */
  fromText?(text: string): unknown;
}

const MAX = Number.MAX_SAFE_INTEGER;
/** Longest delay a timer takes (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function int(min: number, max = MAX): Pick<FieldSpec<number>, "check" | "fromText"> {
  const expected = max === MAX
    ? `an integer of at least ${min}`
    : `an integer from ${min} to ${max}`;
  return {
    check(value) {
      if (
        typeof value === "number" && Number.isSafeInteger(value) && value >= min && value <= max
      ) {
        return value;
      }
      throw new FieldError(expected);
    },
    fromText: numberText,
  };
}

const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/** A flag's number in decimal notation, else the text itself (which then fails the check). */
function numberText(text: string): unknown {
  return DECIMAL.test(text) ? Number(text) : text;
}

function oneOf<T extends string>(...values: T[]): (value: unknown) => T {
  const expected = values.map((v) => JSON.stringify(v)).join(" or ");
  return (value) => {
    if (values.includes(value as T)) return value as T;
    throw new FieldError(expected);
  };
}

function url(protocols: string[], example: string): (value: unknown) => string {
  const expected = `a ${protocols.map((p) => `${p}//`).join(" or ")} URL without query, e.g. ${
    JSON.stringify(example)
  }`;
  return (value) => {
    if (typeof value !== "string" || !URL.canParse(value)) throw new FieldError(expected);
    const parsed = new URL(value);
    if (!protocols.includes(parsed.protocol) || parsed.search !== "" || parsed.hash !== "") {
      throw new FieldError(expected);
    }
    return value;
  };
}

function list(text: string): string[] {
  return text === "" ? [] : text.split(",").map((s) => s.trim());
}

function names(value: unknown, noun: string, options: { allowEmpty: boolean }): string[] {
  const expected = `${options.allowEmpty ? "a" : "a non-empty"} list of ${noun}s`;
  if (!Array.isArray(value) || (!options.allowEmpty && value.length === 0)) {
    throw new FieldError(expected);
  }
  const out = new Set<string>();
  for (const item of value) {
    if (typeof item !== "string" || !isSymbol(item)) {
      throw new FieldError(SYMBOL_EXPECTED, { noun, value: item });
    }
    out.add(item.toUpperCase());
  }
  return [...out];
}

/** What `alerts` holds besides `webhook` when a key is left out. */
export const DEFAULT_ALERTS: Readonly<Omit<AlertsConfig, "webhook">> = Object.freeze({
  format: "json",
  chatId: null,
  host: null,
  outOfSyncMs: 300_000,
  gapsPerHour: 20,
  minFreeBytes: 1024 ** 3,
  diskCheckIntervalMs: 60_000,
  repeatAfterMs: 900_000,
  maxPerHour: 30,
  dailySummary: true,
});

const ALERT_KEYS = ["webhook", ...Object.keys(DEFAULT_ALERTS)];

/** Checks of the `alerts` keys but `webhook`, `format` and `chatId` (checked together). */
const ALERT_CHECKS: {
  [K in Exclude<keyof AlertsConfig, "webhook" | "format" | "chatId">]: (
    value: unknown,
  ) => AlertsConfig[K];
} = {
  host(value) {
    if (value === null) return null;
    if (typeof value === "string" && value !== "" && value.length <= 100) return value;
    throw new FieldError("a name of 1 to 100 characters, or null");
  },
  outOfSyncMs: int(1, MAX_TIMER_MS).check,
  gapsPerHour: int(0).check,
  minFreeBytes: int(0).check,
  diskCheckIntervalMs: int(1000, MAX_TIMER_MS).check,
  repeatAfterMs: int(0, MAX_TIMER_MS).check,
  maxPerHour: int(1).check,
  dailySummary(value) {
    if (typeof value === "boolean") return value;
    throw new FieldError("true or false");
  },
};

/** The `alerts` object, defaults filled in; a wrong key is named `alerts.<key>`. */
function alertsConfig(value: unknown): AlertsConfig | null {
  if (value === null) return null;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new FieldError('an object such as {"webhook":"https://…","format":"slack"}, or null');
  }
  const given = value as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!ALERT_KEYS.includes(key)) {
      throw new FieldError(`one of the keys ${ALERT_KEYS.join(", ")}`, { noun: "key", value: key });
    }
  }
  const field = <T>(key: string, check: (v: unknown) => T, fallback: T): T => {
    if (!Object.hasOwn(given, key)) return fallback;
    try {
      return check(given[key]);
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      throw new FieldError(error.expected, { noun: `alerts.${key}`, value: given[key] });
    }
  };
  if (!Object.hasOwn(given, "webhook")) {
    throw new FieldError('an object with "webhook" (an http:// or https:// URL), or null');
  }
  const webhook = field("webhook", (v) => {
    if (typeof v === "string" && URL.canParse(v) && /^https?:$/.test(new URL(v).protocol)) {
      return v;
    }
    throw new FieldError('an http:// or https:// URL, e.g. "https://hooks.slack.com/services/…"');
  }, "");
  const format = field("format", oneOf("json", "telegram", "slack"), DEFAULT_ALERTS.format);
  const chatId = field("chatId", (v) => {
    const telegram = format === "telegram";
    if (!telegram && v === null) return null;
    if (telegram && ((typeof v === "string" && v !== "") || Number.isSafeInteger(v))) {
      return v as string | number;
    }
    throw new FieldError(
      telegram
        ? 'the chat\'s id: an integer, or a string such as "@channel"'
        : 'null: chatId is for format "telegram"',
    );
  }, null);
  if (format === "telegram" && chatId === null) {
    throw new FieldError('the chat\'s id with format "telegram": an integer, or "@channel"', {
      noun: "alerts.chatId",
      value: given.chatId ?? null,
    });
  }
  const out: Record<string, unknown> = { webhook, format, chatId };
  for (const [key, check] of Object.entries(ALERT_CHECKS)) {
    out[key] = field(
      key,
      check as (v: unknown) => unknown,
      (DEFAULT_ALERTS as Record<string, unknown>)[key],
    );
  }
  return out as unknown as AlertsConfig;
}

/** Every configuration key's spec. */
export const FIELDS: { readonly [K in keyof CollectorConfig]: FieldSpec<CollectorConfig[K]> } = {
  market: {
    arg: "spot|usdm",
    doc: "Binance market: spot, or usdm (USDⓈ-M futures); one market per process",
    check: oneOf(...MARKETS),
  },
  symbols: {
    arg: "LIST|all",
    doc: 'symbols to record, comma-separated, or "all" (every trading symbol)',
    check(value) {
      if (typeof value === "string" && value.toLowerCase() === "all") return "all";
      if (!Array.isArray(value)) throw new FieldError('"all" or a non-empty list of symbols');
      return names(value, "symbol", { allowEmpty: false });
    },
    fromText: (text) => text.toLowerCase() === "all" ? "all" : list(text),
  },
  quoteAssets: {
    arg: "LIST",
    doc: 'with "all": only symbols quoted in these assets (none: any)',
    check: (value) => names(value, "quote asset", { allowEmpty: true }),
    fromText: list,
  },
  dataDir: {
    arg: "DIR",
    doc: "directory the recordings are written to",
    check(value) {
      if (typeof value === "string" && value !== "" && !value.includes("\0")) return value;
      throw new FieldError("a non-empty path");
    },
  },
  wsUrl: {
    arg: "URL",
    doc: "WebSocket base URL (/stream?streams=…, usdm /public/stream?streams=…, is appended)",
    check: url(["ws:", "wss:"], "wss://stream.binance.com:9443"),
  },
  restUrl: {
    arg: "URL",
    doc: "REST base URL (/api/v3/…, usdm /fapi/v1/…, is appended)",
    check: url(["http:", "https:"], "https://api.binance.com"),
  },
  speed: {
    arg: "100ms|1000ms|0ms|250ms|500ms",
    doc: "diff-depth stream speed (spot: 100ms, 1000ms; usdm: 0ms, 100ms, 250ms, 500ms)",
    check: oneOf("100ms", "1000ms", "0ms", "250ms", "500ms"),
  },
  streams: {
    arg: "LIST",
    doc:
      "streams recorded per symbol, each in its own day file: depth, trade, aggTrade, bookTicker",
    check(value) {
      const expected = `a non-empty list of ${STREAM_KINDS.map((k) => `"${k}"`).join(", ")}`;
      if (!Array.isArray(value) || value.length === 0) throw new FieldError(expected);
      const out = new Set<StreamKind>();
      for (const item of value) {
        if (!STREAM_KINDS.includes(item)) {
          throw new FieldError(expected, { noun: "stream", value: item });
        }
        out.add(item);
      }
      return STREAM_KINDS.filter((k) => out.has(k));
    },
    fromText: list,
  },
  snapshotLimit: {
    arg: "N|auto",
    doc: 'levels per side asked of a REST depth snapshot; "auto": what each book needs',
    check(value) {
      if (value === "auto") return "auto";
      try {
        return int(1, MAX_DEPTH_LIMIT).check(value);
      } catch {
        throw new FieldError(`"auto" or an integer from 1 to ${MAX_DEPTH_LIMIT}`);
      }
    },
    fromText: numberText,
  },
  maxStreamsPerConnection: {
    arg: "N",
    doc: "streams per WebSocket connection",
    ...int(1, MAX_STREAMS_PER_CONNECTION),
  },
  redundancy: {
    arg: "N",
    doc: "connections carrying each set of streams at once (a lost one loses nothing)",
    ...int(1, MAX_REDUNDANCY),
  },
  rolloverAfterMs: {
    arg: "MS",
    doc: "replace a connection after this long (the exchange closes at 24 h)",
    ...int(1, CONNECTION_LIFETIME_MS - 1),
  },
  silenceTimeoutMs: {
    arg: "MS",
    doc: "replace a connection that sent nothing for this long",
    ...int(1, MAX_TIMER_MS),
  },
  reconnectBaseMs: {
    arg: "MS",
    doc: "first reconnect delay (doubles each failure)",
    ...int(1, MAX_TIMER_MS),
  },
  reconnectMaxMs: { arg: "MS", doc: "longest reconnect delay", ...int(1, MAX_TIMER_MS) },
  weightBudgetShare: {
    arg: "X",
    doc: "share of the per-minute request weight limit to use",
    check(value) {
      if (typeof value === "number" && value > 0 && value <= 1) return value;
      throw new FieldError("a number greater than 0 and at most 1");
    },
    fromText: numberText,
  },
  maxBufferedEvents: {
    arg: "N",
    doc: "events buffered per symbol while waiting for a snapshot",
    ...int(1),
  },
  flushIntervalMs: {
    arg: "MS",
    doc: "close a gzip member and fsync at least this often",
    ...int(1, MAX_TIMER_MS),
  },
  fsync: {
    arg: "",
    doc: "fsync after each gzip member",
    check(value) {
      if (typeof value === "boolean") return value;
      throw new FieldError("true or false");
    },
  },
  maxPendingBytes: {
    arg: "BYTES",
    doc: "most bytes allowed to wait for the disk",
    ...int(1),
  },
  checkpointIntervalMs: {
    arg: "MS",
    doc: "write a book checkpoint this often (0: off)",
    ...int(0, MAX_TIMER_MS),
  },
  logFormat: { arg: "text|json", doc: "log line format on stderr", check: oneOf("text", "json") },
  logLevel: {
    arg: "quiet|info|verbose",
    doc: "log detail (quiet: warnings and errors only)",
    check: oneOf("quiet", "info", "verbose"),
  },
  statusIntervalMs: {
    arg: "MS",
    doc: "log a status line this often (0: off)",
    ...int(0, MAX_TIMER_MS),
  },
  metricsAddr: {
    arg: "HOST:PORT",
    doc: "serve /metrics, /health and /book at HOST:PORT (host default 127.0.0.1)",
    check(value) {
      if (value === null) return null;
      if (typeof value === "string") {
        try {
          parseListenAddr(value);
          return value;
        } catch {
          // Reported below.
        }
      }
      throw new FieldError('"HOST:PORT" such as "127.0.0.1:9464" (or ":PORT", "PORT"), or null');
    },
  },
  clockCheckIntervalMs: {
    arg: "MS",
    doc: "compare the clock with the exchange's this often (0: off)",
    ...int(0, MAX_TIMER_MS),
  },
  onRotate: {
    arg: "JSON|PROGRAM",
    doc: "command run with each finished day file and its manifest appended (JSON array, no shell)",
    check(value) {
      if (value === null) return null;
      if (
        Array.isArray(value) && value.length > 0 && value.every((a) => typeof a === "string") &&
        value[0] !== ""
      ) return value as string[];
      throw new FieldError("a non-empty array of strings (program, then arguments), or null");
    },
    fromText(text) {
      if (!text.startsWith("[")) return [text];
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    },
  },
  retentionDays: {
    arg: "DAYS",
    doc: "delete day files older than this, once onRotate succeeded for them (0: keep all)",
    ...int(0),
  },
  alerts: {
    arg: "JSON",
    doc: 'post alerts to a webhook: {"webhook":URL,"format":"json"|"telegram"|"slack",…}',
    check: alertsConfig,
    fromText(text) {
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    },
  },
  shard: {
    arg: "I/N",
    doc: "record only shard I of N of the symbols (a stable split by name; 0-based)",
    check(value) {
      if (value === null) return null;
      const shard = typeof value === "string" ? parseShard(value) : null;
      if (shard === null) {
        throw new FieldError(`"I/N" with 0 <= I < N <= ${MAX_SHARDS}, e.g. "0/3", or null`);
      }
      return shard;
    },
  },
};

/** The flag of a key: `snapshotLimit` → `--snapshot-limit`. */
export function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
