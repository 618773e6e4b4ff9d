/**
 * The collector's configuration: defaults, overridden by a JSON file (`--config FILE`), overridden
 * by flags. Everything is checked before anything starts; a bad value is a {@linkcode UsageError}
 * naming the key, the value and where it came from.
 *
 * @module
 */
import {
  CONNECTION_LIFETIME_MS,
  type Market,
  MARKET_LIMITS,
  MAX_STREAMS_PER_CONNECTION,
} from "../binance/limits.ts";
import type { StreamKind } from "../binance/types.ts";
import { type AnyDepthSpeed, MARKET_URLS } from "../binance/urls.ts";
import { helpHint, parseCommandArgs } from "./args.ts";
import { FieldError, FIELDS, flagOf } from "./config_fields.ts";
import { UsageError } from "../util/errors.ts";
import type { Shard } from "../util/shard.ts";

/** Every setting of `collector run`; see README.md's configuration table. */
export interface CollectorConfig {
  /**
   * The Binance market recorded: `spot`, or `usdm` (USDⓈ-M futures). One market per process:
   * each has its own hosts, weight budget and limits.
   */
  market: Market;
  /** Upper-case symbols to record, or `"all"`: every symbol trading (from `exchangeInfo`). */
  symbols: string[] | "all";
  /** With `symbols: "all"`, only symbols quoted in these assets; empty: any. */
  quoteAssets: string[];
  /** Directory the recordings are written to. */
  dataDir: string;
  /**
   * WebSocket base URL; the program appends `/stream?streams=…` (usdm: `/public/stream?…`).
   * Not given with `market: "usdm"`: `wss://fstream.binance.com`.
   */
  wsUrl: string;
  /**
   * REST base URL; the program appends `/api/v3/…` (usdm: `/fapi/v1/…`). Not given with
   * `market: "usdm"`: `https://fapi.binance.com`.
   */
  restUrl: string;
  /** Diff-depth stream speed (spot: 100ms, 1000ms; usdm: 0ms, 100ms, 250ms, 500ms). */
  speed: AnyDepthSpeed;
  /**
   * Streams recorded per symbol, each into its own day file: `depth` (`<day>_dom.jsonl.gz`, kept
   * in sync with snapshots), `trade`, `aggTrade`, `bookTicker` (`<day>_<stream>.jsonl.gz`).
   */
  streams: StreamKind[];
  /**
   * `limit` of REST depth snapshots (1..5000), or `"auto"`: per symbol, the cheapest weight tier
   * (100, 500, 1000, 5000) that covers its last snapshot's depth with a margin.
   */
  snapshotLimit: number | "auto";
  /** Streams per WebSocket connection (1..1024). */
  maxStreamsPerConnection: number;
  /** Connections carrying each set of streams at once (1..4); events are taken once by id. */
  redundancy: number;
  /** Planned replacement of a connection after this long, before the exchange's 24 h close. */
  rolloverAfterMs: number;
  /** A connection silent this long is replaced. */
  silenceTimeoutMs: number;
  /** First reconnect delay. */
  reconnectBaseMs: number;
  /** Longest reconnect delay (at least `reconnectBaseMs`). */
  reconnectMaxMs: number;
  /** Share of the exchange's per-minute request weight limit we may use, in (0, 1]. */
  weightBudgetShare: number;
  /** Events buffered per symbol while waiting for a snapshot. */
  maxBufferedEvents: number;
  /** A gzip member is closed (and fsynced) at least this often. */
  flushIntervalMs: number;
  /** Whether to fsync after each member. */
  fsync: boolean;
  /** Most bytes allowed to wait for the disk. */
  maxPendingBytes: number;
  /** Book checkpoint interval; 0: off. */
  checkpointIntervalMs: number;
  /** Log line format. */
  logFormat: "text" | "json";
  /** Log detail. */
  logLevel: "quiet" | "info" | "verbose";
  /** Status line interval; 0: off. */
  statusIntervalMs: number;
  /** `HOST:PORT` of the metrics endpoint, or `null`: off. */
  metricsAddr: string | null;
  /** Clock check interval; 0: off. */
  clockCheckIntervalMs: number;
  /** Program and arguments run with each finished day file and its manifest appended (no shell), or `null`: off. */
  onRotate: string[] | null;
  /** Day files older than this many days, once `onRotate` succeeded for them, are deleted; 0: off. */
  retentionDays: number;
  /** Alerts posted to a webhook (docs/OPERATIONS.md, "Alerts"), or `null`: off. */
  alerts: AlertsConfig | null;
  /** This collector's share of the symbols (`i/n`: symbols whose hash is i modulo n), or `null`: all. */
  shard: Shard | null;
}

/** The `alerts` key, every field filled in (defaults: `DEFAULT_ALERTS` in `config_fields.ts`). */
export interface AlertsConfig {
  /** `http://` or `https://` URL the alerts are posted to. */
  webhook: string;
  /** Body: `json` (the alert itself), `telegram` (`sendMessage`), `slack` (incoming webhook). */
  format: "json" | "telegram" | "slack";
  /** Telegram's `chat_id`; required with `telegram`, else `null`. */
  chatId: string | number | null;
  /** Names this collector in every message, or `null`. */
  host: string | null;
  /** Alert when a symbol stays out of sync this long. */
  outOfSyncMs: number;
  /** Alert when more gaps than this were recorded in the last hour (not counting start-up's); 0: off. */
  gapsPerHour: number;
  /** Alert when the data directory's file system has less free space; 0: off. */
  minFreeBytes: number;
  /** How often free space is checked. */
  diskCheckIntervalMs: number;
  /** The same alert (kind and symbol) at most once this often; the next one counts the rest. */
  repeatAfterMs: number;
  /** Most alerts in any hour, all kinds together (start, stop and daily summary not counted). */
  maxPerHour: number;
  /** A summary of each UTC day, shortly after it ended. */
  dailySummary: boolean;
}

/** The defaults; `config.example.json` holds exactly these values. */
export const DEFAULT_CONFIG: Readonly<CollectorConfig> = Object.freeze({
  market: "spot",
  symbols: Object.freeze(["BTCUSDT", "ETHUSDT"]) as string[],
  quoteAssets: Object.freeze<string[]>([]) as string[],
  dataDir: "./data",
  wsUrl: MARKET_URLS.spot.wsUrl,
  restUrl: MARKET_URLS.spot.restUrl,
  speed: "100ms",
  streams: Object.freeze<StreamKind[]>(["depth"]) as StreamKind[],
  snapshotLimit: "auto",
  maxStreamsPerConnection: MAX_STREAMS_PER_CONNECTION,
  redundancy: 2,
  rolloverAfterMs: CONNECTION_LIFETIME_MS - 30 * 60_000,
  silenceTimeoutMs: 5000,
  reconnectBaseMs: 1000,
  reconnectMaxMs: 60_000,
  weightBudgetShare: 0.5,
  maxBufferedEvents: 10_000,
  flushIntervalMs: 1000,
  fsync: true,
  maxPendingBytes: 256 * 1024 * 1024,
  checkpointIntervalMs: 0,
  logFormat: "text",
  logLevel: "info",
  statusIntervalMs: 60_000,
  metricsAddr: null,
  clockCheckIntervalMs: 600_000,
  onRotate: null,
  retentionDays: 0,
  alerts: null,
  shard: null,
});

type Key = keyof CollectorConfig;
const KEYS = Object.keys(FIELDS) as Key[];
const CONFIG_HINT = "the keys are listed in README.md and by 'collector run --help'";
const FILE_HINT = "the file must hold one JSON object, like config.example.json";

function isKey(name: string): name is Key {
  return Object.hasOwn(FIELDS, name);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/**
 * Checks one value of `key`. In errors, `where.subject` names the value when it is wrong as a
 * whole, `where.context` where a wrong list element was found.
 */
function checkField<K extends Key>(
  key: K,
  value: unknown,
  where: { subject: string; context: string; hint: string },
): CollectorConfig[K] {
  try {
    return FIELDS[key].check(value);
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    const subject = error.item
      ? `${error.item.noun} ${show(error.item.value)} in ${where.context}`
      : where.subject;
    throw new UsageError(`Invalid ${subject}: expected ${error.expected}`, where.hint);
  }
}

/**
 * The settings of a JSON config file's text; `source` (its path) appears in errors. Strict: text
 * that is not a JSON object, an unknown key, a wrong type or an invalid value is a
 * {@linkcode UsageError} naming the key, the value and the file.
 */
export function parseConfigFile(text: string, source: string): Partial<CollectorConfig> {
  const file = `config file ${JSON.stringify(source)}`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `Cannot parse ${file} as JSON: ${(error as Error).message}`,
      FILE_HINT,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(
      `Invalid ${file}: expected a JSON object, found ${show(value)}`,
      FILE_HINT,
    );
  }
  const out: Partial<Record<Key, unknown>> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!isKey(key)) {
      throw new UsageError(`Unknown key ${JSON.stringify(key)} in ${file}`, CONFIG_HINT);
    }
    out[key] = checkField(key, item, {
      subject: `${key} ${show(item)} in ${file}`,
      context: `${key} of ${file}`,
      hint: CONFIG_HINT,
    });
  }
  return out as Partial<CollectorConfig>;
}

/** Flags of `loadConfig` besides the keys' own: `--config`, `--no-fsync`, `--quiet`, `--verbose`. */
function flagOptions() {
  const options: Record<string, { type: "string" | "boolean" }> = {
    config: { type: "string" },
    "no-fsync": { type: "boolean" },
    quiet: { type: "boolean" },
    verbose: { type: "boolean" },
  };
  for (const key of KEYS) {
    options[flagOf(key).slice(2)] = { type: FIELDS[key].arg === "" ? "boolean" : "string" };
  }
  return options;
}

const FLAG_KEYS = new Map<string, Key>(KEYS.map((key) => [flagOf(key).slice(2), key]));

/** The settings given by flags, later flags winning. */
function flagSettings(
  tokens: { kind: string; name?: string; value?: string | undefined }[],
): Partial<Record<Key, unknown>> {
  const out: Partial<Record<Key, unknown>> = {};
  for (const token of tokens) {
    if (token.kind !== "option" || token.name === undefined || token.name === "config") continue;
    const name = token.name;
    if (name === "no-fsync") out.fsync = false;
    else if (name === "quiet" || name === "verbose") out.logLevel = name;
    else {
      const key = FLAG_KEYS.get(name);
      if (key === undefined) continue;
      const spec = FIELDS[key];
      const text = token.value ?? "";
      const value = spec.arg === "" ? true : spec.fromText ? spec.fromText(text) : text;
      out[key] = checkField(key, value, {
        subject: `--${name} ${JSON.stringify(text)}`,
        context: `--${name}`,
        hint: helpHint("run"),
      });
    }
  }
  return out;
}

/** Checks that hold between keys. */
function checkTogether(config: CollectorConfig): void {
  const limits = MARKET_LIMITS[config.market];
  if (!limits.speeds.includes(config.speed)) {
    throw new UsageError(
      `Invalid speed ${JSON.stringify(config.speed)} for market ${config.market}: expected one of ${
        limits.speeds.join(", ")
      }`,
      CONFIG_HINT,
    );
  }
  const valid = limits.validDepthLimits;
  if (
    config.snapshotLimit !== "auto" &&
    (valid ? !valid.includes(config.snapshotLimit) : config.snapshotLimit > limits.maxDepthLimit)
  ) {
    throw new UsageError(
      `Invalid snapshotLimit ${config.snapshotLimit} for market ${config.market}: expected "auto" or ${
        valid ? `one of ${valid.join(", ")}` : `at most ${limits.maxDepthLimit}`
      }`,
      CONFIG_HINT,
    );
  }
  if (config.market === "usdm" && config.streams.includes("aggTrade")) {
    throw new UsageError(
      `Invalid streams ${
        JSON.stringify(config.streams)
      } for market usdm: aggTrade rides /market, ` +
        "not the /public connection that carries depth, trade and bookTicker",
      CONFIG_HINT,
    );
  }
  if (config.reconnectMaxMs < config.reconnectBaseMs) {
    throw new UsageError(
      `Invalid reconnectMaxMs ${config.reconnectMaxMs}: expected at least reconnectBaseMs (${config.reconnectBaseMs})`,
      CONFIG_HINT,
    );
  }
}

/**
 * The configuration of `collector run` from its arguments: defaults, then `--config FILE`, then
 * one flag per key (see {@linkcode configHelp}). `rest` holds the positional arguments.
 */
export async function loadConfig(
  args: string[],
): Promise<{ config: CollectorConfig; rest: string[] }> {
  const { values, positionals, tokens } = parseCommandArgs("run", {
    args,
    options: flagOptions(),
    strict: true,
    allowPositionals: true,
    tokens: true,
  });
  let fromFile: Partial<CollectorConfig> = {};
  const path = values.config;
  if (typeof path === "string") {
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      throw new UsageError(
        `Cannot read config file ${JSON.stringify(path)}: ${(error as Error).message}`,
        helpHint("run"),
      );
    }
    fromFile = parseConfigFile(text, path);
  }
  const flags = flagSettings(tokens);
  const config = {
    ...structuredClone(DEFAULT_CONFIG),
    ...fromFile,
    ...flags,
  } as CollectorConfig;
  // The URLs not given are the market's own.
  if (fromFile.wsUrl === undefined && flags.wsUrl === undefined) {
    config.wsUrl = MARKET_URLS[config.market].wsUrl;
  }
  if (fromFile.restUrl === undefined && flags.restUrl === undefined) {
    config.restUrl = MARKET_URLS[config.market].restUrl;
  }
  checkTogether(config);
  return { config, rest: positionals };
}

function shownDefault(key: Key): string {
  const value = DEFAULT_CONFIG[key];
  if (Array.isArray(value)) return value.length === 0 ? "none" : value.join(",");
  return value === null ? "off" : String(value);
}

/** The flag list of `collector run --help`. */
export function configHelp(): string {
  const rows: [string, string][] = [
    ["--config FILE", "JSON file of settings, keys as in config.example.json; flags override it"],
  ];
  for (const key of KEYS) {
    const spec = FIELDS[key];
    const flag = spec.arg === ""
      ? `${flagOf(key)}, --no-${flagOf(key).slice(2)}`
      : `${flagOf(key)} ${spec.arg}`;
    rows.push([flag, `${spec.doc} [${shownDefault(key)}]`]);
    if (key === "logLevel") {
      rows.push(["--quiet, --verbose", "same as --log-level quiet / verbose"]);
    }
  }
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return [
    "Options (a flag overrides the config file's key; defaults in brackets):",
    ...rows.map(([flag, doc]) => `  ${flag.padEnd(width)}  ${doc}`),
  ].join("\n");
}
