/**
 * The parts of `GET /api/v3/exchangeInfo` the collector uses: the request-weight limit and the
 * list of symbols with their status and quote asset.
 *
 * @module
 */
import { FrameError } from "./parse.ts";

/** A rate limiter as `exchangeInfo.rateLimits` lists it. */
export interface RateLimit {
  /** `REQUEST_WEIGHT`, `ORDERS` or `RAW_REQUESTS`. */
  rateLimitType: string;
  /** `SECOND`, `MINUTE`, `HOUR` or `DAY`. */
  interval: string;
  /** How many intervals the window spans. */
  intervalNum: number;
  /** Largest count allowed in the window. */
  limit: number;
}

/** A symbol as `exchangeInfo.symbols` lists it (fields the collector reads). */
export interface SymbolInfo {
  /** Upper-case symbol, e.g. `"BTCUSDT"`. */
  symbol: string;
  /** `TRADING`, `BREAK`, `HALT`… */
  status: string;
  /** e.g. `"BTC"`. */
  baseAsset: string;
  /** e.g. `"USDT"`. */
  quoteAsset: string;
}

/** The body of `GET /api/v3/exchangeInfo` (fields the collector reads). */
export interface ExchangeInfo {
  rateLimits: RateLimit[];
  symbols: SymbolInfo[];
}

/** Request weight of `GET /api/v3/exchangeInfo` (all symbols). */
export const EXCHANGE_INFO_WEIGHT = 20;

/** Status of a symbol that trades (and so has a moving book). */
export const TRADING_STATUS = "TRADING";

/** Parses and checks an `exchangeInfo` body; throws {@linkcode FrameError}. */
export function parseExchangeInfo(text: string): ExchangeInfo {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FrameError(
      `Cannot parse exchangeInfo as JSON: ${JSON.stringify(text.slice(0, 120))}`,
    );
  }
  const info = value as ExchangeInfo;
  if (
    typeof info !== "object" || info === null || !Array.isArray(info.rateLimits) ||
    !Array.isArray(info.symbols)
  ) {
    throw new FrameError(`Malformed exchangeInfo: ${JSON.stringify(text.slice(0, 120))}`);
  }
  const symbols = info.symbols.filter((s) =>
    typeof s === "object" && s !== null && typeof s.symbol === "string" &&
    typeof s.status === "string"
  );
  return { rateLimits: info.rateLimits, symbols };
}

const INTERVAL_MS: Record<string, number> = {
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3600_000,
  DAY: 86_400_000,
};

/**
 * The request weight allowed per minute: the tightest `REQUEST_WEIGHT` limiter scaled to a minute,
 * or `null` when `exchangeInfo` lists none.
 */
export function requestWeightPerMinute(info: ExchangeInfo): number | null {
  let best: number | null = null;
  for (const r of info.rateLimits) {
    const ms = INTERVAL_MS[r?.interval];
    if (r?.rateLimitType !== "REQUEST_WEIGHT" || ms === undefined) continue;
    if (!(r.limit > 0) || !(r.intervalNum > 0)) continue;
    const perMinute = r.limit * Math.min(1, 60_000 / (ms * r.intervalNum));
    if (best === null || perMinute < best) best = perMinute;
  }
  return best;
}

/** Symbols with status `TRADING`, whose quote asset is one of `quoteAssets` when given. */
export function tradingSymbols(info: ExchangeInfo, quoteAssets: readonly string[] = []): string[] {
  const quotes = new Set(quoteAssets.map((q) => q.toUpperCase()));
  return info.symbols
    .filter((s) => s.status === TRADING_STATUS)
    .filter((s) => quotes.size === 0 || quotes.has(String(s.quoteAsset).toUpperCase()))
    .map((s) => s.symbol.toUpperCase());
}
