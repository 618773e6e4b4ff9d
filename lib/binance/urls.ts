/**
 * Binance URL building: base URLs come from configuration, paths are appended here.
 *
 * @module
 */
import type { Market } from "./limits.ts";
import type { StreamKind } from "./types.ts";

/** A diff-depth speed of either market: spot `100ms`, `1000ms`; USDⓈ-M `0ms`, `100ms`, `250ms`, `500ms`. */
export type AnyDepthSpeed = "0ms" | "100ms" | "250ms" | "500ms" | "1000ms";

/**
 * Stream name of a symbol's diff-depth stream, e.g. `btcusdt@depth@100ms`; futures' 250 ms
 * stream is the plain `btcusdt@depth`.
 */
export function depthStreamName(symbol: string, speed: AnyDepthSpeed): string {
  const base = `${symbol.toLowerCase()}@depth`;
  return speed === "250ms" ? base : `${base}@${speed}`;
}

/**
 * Stream name of one kind of a symbol's stream: `btcusdt@depth@100ms`, `btcusdt@trade`,
 * `btcusdt@aggTrade`, `btcusdt@bookTicker`.
 */
export function streamNameOf(symbol: string, kind: StreamKind, speed: AnyDepthSpeed): string {
  return kind === "depth" ? depthStreamName(symbol, speed) : `${symbol.toLowerCase()}@${kind}`;
}

/** Symbol (upper case) of a stream name such as `btcusdt@depth@100ms`. */
export function streamSymbol(stream: string): string {
  const at = stream.indexOf("@");
  return (at < 0 ? stream : stream.slice(0, at)).toUpperCase();
}

/** Each market's default base URLs and paths. */
export const MARKET_URLS: Readonly<
  Record<Market, { wsUrl: string; restUrl: string; streamPath: string; restPath: string }>
> = {
  spot: {
    wsUrl: "wss://stream.binance.com:9443",
    restUrl: "https://api.binance.com",
    streamPath: "/stream",
    restPath: "/api/v3",
  },
  // USDⓈ-M routes streams by path: depth, bookTicker and trade ride `/public`.
  usdm: {
    wsUrl: "wss://fstream.binance.com",
    restUrl: "https://fapi.binance.com",
    streamPath: "/public/stream",
    restPath: "/fapi/v1",
  },
};

function trim(base: string): string {
  return base.replace(/\/+$/, "");
}

/**
 * Combined-stream URL: `<wsBase>/stream?streams=a/b/c` (spot), `<wsBase>/public/stream?streams=…`
 * (USDⓈ-M).
 */
export function combinedStreamUrl(
  wsBase: string,
  streams: readonly string[],
  market: Market = "spot",
): string {
  return `${trim(wsBase)}${MARKET_URLS[market].streamPath}?streams=${streams.join("/")}`;
}

/** REST depth snapshot URL: `<restBase>/api/v3/depth?symbol=BTCUSDT&limit=5000` (`/fapi/v1/depth`). */
export function depthUrl(
  restBase: string,
  symbol: string,
  limit: number,
  market: Market = "spot",
): string {
  return `${trim(restBase)}${MARKET_URLS[market].restPath}/depth?symbol=${symbol}&limit=${limit}`;
}

/** REST `exchangeInfo` URL (`/api/v3/exchangeInfo`, `/fapi/v1/exchangeInfo`). */
export function exchangeInfoUrl(restBase: string, market: Market = "spot"): string {
  return `${trim(restBase)}${MARKET_URLS[market].restPath}/exchangeInfo`;
}

/** REST server time URL (`/api/v3/time`, `/fapi/v1/time`). */
export function timeUrl(restBase: string, market: Market = "spot"): string {
  return `${trim(restBase)}${MARKET_URLS[market].restPath}/time`;
}
