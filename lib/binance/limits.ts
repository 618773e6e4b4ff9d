/**
 * Binance spot and USDⓈ-M futures limits and constants, in one place. Nothing else hard-codes
 * these numbers.
 *
 * Sources: Binance spot API docs, "WebSocket Streams" and "LIMITS" sections.
 *
 * @module
 */
import type { Market } from "./types.ts";

/** At most this many streams on one WebSocket connection. */
export const MAX_STREAMS_PER_CONNECTION = 1024;
/** More incoming messages (SUBSCRIBE, pong…) than this a second closes the connection. */
export const MAX_INCOMING_MESSAGES_PER_SECOND = 5;
/** At most this many connection attempts per window per IP. */
export const MAX_CONNECTION_ATTEMPTS = 300;
/** The window of {@linkcode MAX_CONNECTION_ATTEMPTS}. */
export const CONNECTION_ATTEMPTS_WINDOW_MS = 5 * 60_000;
/** The server closes every connection after this long. */
export const CONNECTION_LIFETIME_MS = 24 * 3600_000;
/** The server pings every this long. */
export const PING_INTERVAL_MS = 20_000;
/** The server closes a connection that has not answered a ping for this long. */
export const PONG_TIMEOUT_MS = 60_000;
/** Default REST request weight budget per minute (`REQUEST_WEIGHT` in `exchangeInfo`). */
export const DEFAULT_WEIGHT_PER_MINUTE = 6000;
/** Largest `limit` accepted by `GET /api/v3/depth`. */
export const MAX_DEPTH_LIMIT = 5000;
/** Most connections the collector opens for one set of streams (`redundancy`). */
export const MAX_REDUNDANCY = 4;
/** `limit`s of `GET /api/v3/depth` where its weight steps up: each costs {@linkcode depthWeight}. */
export const DEPTH_LIMIT_TIERS: readonly number[] = [100, 500, 1000, 5000];
/** Response header carrying the weight used in the current minute. */
export const USED_WEIGHT_HEADER = "X-MBX-USED-WEIGHT-1M";

/**
 * Request weight of `GET /api/v3/depth` for a given `limit`: 5, 25, 50 or 250 for limits up to
 * 100, 500, 1000 and 5000.
 */
export function depthWeight(limit: number): number {
  if (limit <= 100) return 5;
  if (limit <= 500) return 25;
  if (limit <= 1000) return 50;
  return 250;
}

export type { Market };
/** Every {@linkcode Market}. */
export const MARKETS: readonly Market[] = ["spot", "usdm"];

/** One market's limits and tiers (Binance spot API docs; USDⓈ-M futures "Websocket Market Streams", "Order Book"). */
export interface MarketLimits {
  /** At most this many streams on one WebSocket connection. */
  maxStreamsPerConnection: number;
  /** More incoming messages a second than this closes the connection. */
  maxIncomingMessagesPerSecond: number;
  /** The server pings every this long. */
  pingIntervalMs: number;
  /** The server closes a connection that has not answered a ping for this long. */
  pongTimeoutMs: number;
  /** Default `REQUEST_WEIGHT` a minute (the real one comes from `exchangeInfo`). */
  defaultWeightPerMinute: number;
  /** Largest `limit` of a REST depth snapshot. */
  maxDepthLimit: number;
  /** `limit`s where the depth request's weight steps up. */
  depthLimitTiers: readonly number[];
  /** The only `limit`s the depth request takes, or `null`: any up to `maxDepthLimit`. */
  validDepthLimits: readonly number[] | null;
  /** Diff-depth speeds the market offers. */
  speeds: readonly string[];
}

/** Each market's limits. */
export const MARKET_LIMITS: Readonly<Record<Market, MarketLimits>> = {
  spot: {
    maxStreamsPerConnection: MAX_STREAMS_PER_CONNECTION,
    maxIncomingMessagesPerSecond: MAX_INCOMING_MESSAGES_PER_SECOND,
    pingIntervalMs: PING_INTERVAL_MS,
    pongTimeoutMs: PONG_TIMEOUT_MS,
    defaultWeightPerMinute: DEFAULT_WEIGHT_PER_MINUTE,
    maxDepthLimit: MAX_DEPTH_LIMIT,
    depthLimitTiers: DEPTH_LIMIT_TIERS,
    validDepthLimits: null,
    speeds: ["100ms", "1000ms"],
  },
  usdm: {
    maxStreamsPerConnection: 1024,
    maxIncomingMessagesPerSecond: 10,
    pingIntervalMs: 3 * 60_000,
    pongTimeoutMs: 10 * 60_000,
    defaultWeightPerMinute: 2400,
    maxDepthLimit: 1000,
    depthLimitTiers: [100, 500, 1000],
    validDepthLimits: [5, 10, 20, 50, 100, 500, 1000],
    speeds: ["0ms", "100ms", "250ms", "500ms"],
  },
};

/**
 * Request weight of a REST depth snapshot of `limit` levels. Spot (`/api/v3/depth`): see
 * {@linkcode depthWeight}. USDⓈ-M (`/fapi/v1/depth`): 2, 5, 10 or 20 for limits up to 50, 100,
 * 500 and 1000.
 */
export function marketDepthWeight(market: Market, limit: number): number {
  if (market === "spot") return depthWeight(limit);
  if (limit <= 50) return 2;
  if (limit <= 100) return 5;
  if (limit <= 500) return 10;
  return 20;
}
