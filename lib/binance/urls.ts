/**
 * Binance URL building: base URLs come from configuration, paths are appended here.
 *
 * @module
 */
import type { DepthSpeed, StreamKind } from "./types.ts";

/** Stream name of a symbol's diff-depth stream, e.g. `btcusdt@depth@100ms`. */
export function depthStreamName(symbol: string, speed: DepthSpeed): string {
  return `${symbol.toLowerCase()}@depth@${speed}`;
}

/**
 * Stream name of one kind of a symbol's stream: `btcusdt@depth@100ms`, `btcusdt@trade`,
 * `btcusdt@aggTrade`, `btcusdt@bookTicker`.
 */
export function streamNameOf(symbol: string, kind: StreamKind, speed: DepthSpeed): string {
  return kind === "depth" ? depthStreamName(symbol, speed) : `${symbol.toLowerCase()}@${kind}`;
}

/** Symbol (upper case) of a stream name such as `btcusdt@depth@100ms`. */
export function streamSymbol(stream: string): string {
  const at = stream.indexOf("@");
  return (at < 0 ? stream : stream.slice(0, at)).toUpperCase();
}

/** Combined-stream URL: `<wsBase>/stream?streams=a/b/c`. */
export function combinedStreamUrl(wsBase: string, streams: readonly string[]): string {
  return `${wsBase.replace(/\/+$/, "")}/stream?streams=${streams.join("/")}`;
}

/** REST depth snapshot URL: `<restBase>/api/v3/depth?symbol=BTCUSDT&limit=5000`. */
export function depthUrl(restBase: string, symbol: string, limit: number): string {
  return `${restBase.replace(/\/+$/, "")}/api/v3/depth?symbol=${symbol}&limit=${limit}`;
}

/** REST `exchangeInfo` URL. */
export function exchangeInfoUrl(restBase: string): string {
  return `${restBase.replace(/\/+$/, "")}/api/v3/exchangeInfo`;
}

/** REST server time URL. */
export function timeUrl(restBase: string): string {
  return `${restBase.replace(/\/+$/, "")}/api/v3/time`;
}
