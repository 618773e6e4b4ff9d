/**
 * Options of the simulator, their defaults, and the derived timings (protocol durations divided
 * by `timeScale` unless given explicitly).
 *
 * @module
 */
import {
  CONNECTION_ATTEMPTS_WINDOW_MS,
  CONNECTION_LIFETIME_MS,
  type Market,
  MARKET_LIMITS,
} from "../binance/limits.ts";
import type { ConnectionCounters, ConnectionRules } from "./stream_connection.ts";
import { isSymbol, SYMBOL_EXPECTED } from "../util/symbol.ts";

/** Options of `startSimulator`. */
export interface SimulatorOptions {
  /**
   * Which exchange to be: `spot` (default; `/api/v3`, `/stream`) or `usdm` (USDⓈ-M futures:
   * `/fapi/v1`, `/public/stream`, futures weights and limits, events with `T` and `pu`).
   */
  market?: Market;
  /** Port; 0 (default) picks a free one. The host is always 127.0.0.1. */
  port?: number;
  /** Synthetic symbols; default `["BTCUSDT", "ETHUSDT"]`; ignored with `replay`. */
  symbols?: string[];
  /** Raw recording files to replay instead of the synthetic market. */
  replay?: string[];
  /** Replay speed: 1 = real time (default), 10 = ten times faster. */
  replaySpeed?: number;
  /** Start the replay at once (default) or on `startReplay()`. */
  replayAutoStart?: boolean;
  /** Seed of the synthetic market; default 1. */
  seed?: number;
  /** Initial synthetic book size per side; default 1000. */
  levelsPerSide?: number;
  /** Initial synthetic book size per side of each symbol, where it differs from `levelsPerSide`. */
  levelsOf?: (symbol: string) => number | undefined;
  /** Period of synthetic events, real ms; default 100; 0 = only on `step()`. */
  updateIntervalMs?: number;
  /** Synthetic ticks per `@depth@1000ms` event; default 10. */
  slowStreamTicks?: number;
  /** Divides protocol durations (ping, pong timeout, lifetime, weight window, ban, message window). */
  timeScale?: number;
  /** Ping period, real ms (default 20 s / timeScale). */
  pingIntervalMs?: number;
  /** Pong timeout, real ms (default 60 s / timeScale). */
  pongTimeoutMs?: number;
  /** Connection lifetime, real ms (default 24 h / timeScale). */
  connectionLifetimeMs?: number;
  /** Window of the 5-messages limit, real ms (default 1 s / timeScale). */
  messageWindowMs?: number;
  /** Request weight budget per minute; default 6000. */
  weightPerMinute?: number;
  /** Length of the weight window, real ms (default 60 s / timeScale). */
  weightWindowMs?: number;
  /** Length of an IP ban (418), real ms (default 2 min / timeScale). */
  banMs?: number;
  /** Connection attempts allowed per window (Binance: 300 per 5 minutes); default unlimited. */
  maxConnectionAttempts?: number;
  /** Window of `maxConnectionAttempts`, real ms (default 5 min / timeScale). */
  connectionAttemptsWindowMs?: number;
  /** Streams per connection; default 1024. */
  maxStreamsPerConnection?: number;
  /** Exchange clock for `E`, `serverTime` (default `Date.now`). */
  now?: () => number;
  /** Extra synthetic symbols with tiny books and a low event rate. */
  extraSymbols?: number;
  /** How many events behind the current one a stale snapshot is; default 50. */
  staleSnapshotLag?: number;
  /** Events kept per symbol; default 100,000. */
  maxEventsPerSymbol?: number;
  /** No log output. */
  quiet?: boolean;
}

/** Counters of a running simulator; those its connections update come from `ConnectionCounters`. */
export interface SimulatorStats extends ConnectionCounters {
  connectionsOpened: number;
  connectionsOpen: number;
  /** WebSocket handshakes refused (bad path, too many streams). */
  connectionsRejected: number;
  depthRequests: number;
  restRequests: number;
  status429: number;
  status418: number;
  /** Depth events sent on 100 ms streams (once per event, whoever listens). */
  eventsPublished: number;
  eventsWithheld: number;
  /** Events sent with an unusable price to some or all connections. */
  eventsCorrupted: number;
  staleSnapshotsServed: number;
  /** Snapshots served with an unusable price. */
  badSnapshotsServed: number;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  market: Market;
  port: number;
  symbols: string[];
  replay: string[];
  replaySpeed: number;
  replayAutoStart: boolean;
  seed: number;
  levelsPerSide: number;
  levelsOf: ((symbol: string) => number | undefined) | null;
  updateIntervalMs: number;
  slowStreamTicks: number;
  weightPerMinute: number;
  weightWindowMs: number;
  banMs: number;
  now: () => number;
  maxConnectionAttempts: number;
  connectionAttemptsWindowMs: number;
  extraSymbols: number;
  staleSnapshotLag: number;
  maxEventsPerSymbol: number;
  quiet: boolean;
  rules: ConnectionRules;
}

/** Applies defaults and checks values; throws `RangeError` naming a bad one. */
export function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  const scale = options.timeScale ?? 1;
  if (!(scale > 0)) throw new RangeError(`Invalid timeScale ${scale}: expected a positive number`);
  const speed = options.replaySpeed ?? 1;
  if (!(speed > 0)) {
    throw new RangeError(`Invalid replaySpeed ${speed}: expected a positive number`);
  }
  const symbols = (options.symbols ?? ["BTCUSDT", "ETHUSDT"]).map((s) => s.toUpperCase());
  for (const symbol of symbols) {
    if (!isSymbol(symbol)) {
      throw new RangeError(`Invalid symbol "${symbol}": expected ${SYMBOL_EXPECTED}`);
    }
  }
  const market = options.market ?? "spot";
  const limits = MARKET_LIMITS[market];
  if (limits === undefined) {
    throw new RangeError(`Invalid market ${JSON.stringify(market)}: expected "spot" or "usdm"`);
  }
  return {
    market,
    port: options.port ?? 0,
    symbols,
    replay: options.replay ?? [],
    replaySpeed: speed,
    replayAutoStart: options.replayAutoStart ?? true,
    seed: options.seed ?? 1,
    levelsPerSide: options.levelsPerSide ?? 1000,
    levelsOf: options.levelsOf ?? null,
    updateIntervalMs: options.updateIntervalMs ?? 100,
    slowStreamTicks: options.slowStreamTicks ?? 10,
    weightPerMinute: options.weightPerMinute ?? limits.defaultWeightPerMinute,
    weightWindowMs: options.weightWindowMs ?? 60_000 / scale,
    banMs: options.banMs ?? 120_000 / scale,
    now: options.now ?? Date.now,
    maxConnectionAttempts: options.maxConnectionAttempts ?? Infinity,
    connectionAttemptsWindowMs: options.connectionAttemptsWindowMs ??
      CONNECTION_ATTEMPTS_WINDOW_MS / scale,
    extraSymbols: options.extraSymbols ?? 0,
    staleSnapshotLag: options.staleSnapshotLag ?? 50,
    maxEventsPerSymbol: options.maxEventsPerSymbol ?? 100_000,
    quiet: options.quiet ?? false,
    // Timers below 1 ms mean nothing: scaled durations are clamped to at least 1 ms.
    rules: {
      pingIntervalMs: options.pingIntervalMs ?? Math.max(1, limits.pingIntervalMs / scale),
      pongTimeoutMs: options.pongTimeoutMs ?? Math.max(1, limits.pongTimeoutMs / scale),
      lifetimeMs: options.connectionLifetimeMs ?? Math.max(1, CONNECTION_LIFETIME_MS / scale),
      messageWindowMs: options.messageWindowMs ?? Math.max(1, 1000 / scale),
      maxMessagesPerWindow: limits.maxIncomingMessagesPerSecond,
      maxStreams: options.maxStreamsPerConnection ?? limits.maxStreamsPerConnection,
    },
  };
}
