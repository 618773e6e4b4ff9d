/**
 * The simulator's REST endpoints: `/api/v3/depth`, `/api/v3/exchangeInfo`, `/api/v3/time`,
 * `/api/v3/ping` (USDⓈ-M futures: the same under `/fapi/v1`). Every response carries the
 * used-weight header; weights and errors follow the exchange (depth 5/25/50/250 by limit, futures
 * 2/5/10/20 up to 1000 levels with `E` and `T` in the answer; exchangeInfo 20, time and ping 1).
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type Market,
  MARKET_LIMITS,
  marketDepthWeight,
  USED_WEIGHT_HEADER,
} from "../binance/limits.ts";
import { MARKET_URLS } from "../binance/urls.ts";
import { EXCHANGE_INFO_WEIGHT, TRADING_STATUS } from "../binance/exchange_info.ts";
import type { SymbolInfo } from "../binance/exchange_info.ts";
import type { DepthSnapshot } from "../binance/types.ts";
import type { RateLimiter } from "./rate_limiter.ts";

/** Default `limit` of `GET /api/v3/depth`. */
export const DEFAULT_DEPTH_LIMIT = 100;
/** Status the simulator gives to listed symbols that have no book. */
export const BREAK_STATUS = "BREAK";

/** What the REST handler needs from the simulator. */
export interface RestHost {
  /** Whose paths and weights; spot by default. */
  market?: Market;
  limiter: RateLimiter;
  weightPerMinute: number;
  /** Exchange clock, epoch ms. */
  now(): number;
  symbolInfos(): SymbolInfo[];
  /** The depth snapshot to serve, or `null` for an unknown symbol. */
  depth(symbol: string, limit: number): DepthSnapshot | null;
  counters: { depthRequests: number; status429: number; status418: number; restRequests: number };
}

const QUOTES = ["USDT", "FDUSD", "USDC", "BUSD", "TUSD", "BTC", "ETH", "BNB", "EUR", "TRY"];

/** Splits a symbol into base and quote asset, e.g. `BTCUSDT` → `BTC`, `USDT`. */
export function splitSymbol(symbol: string): { baseAsset: string; quoteAsset: string } {
  const quote = QUOTES.find((q) => symbol.endsWith(q) && symbol.length > q.length) ?? "USDT";
  return { baseAsset: symbol.slice(0, symbol.length - quote.length), quoteAsset: quote };
}

/** Handles one REST request. */
export function handleRest(host: RestHost, req: IncomingMessage, res: ServerResponse): void {
  host.counters.restRequests++;
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "Content-Type": "application/json;charset=UTF-8",
      "Content-Length": String(new TextEncoder().encode(text).length),
      [USED_WEIGHT_HEADER]: String(host.limiter.usedWeight),
      ...headers,
    });
    res.end(text);
  };
  const charge = (weight: number, throttleable: boolean): boolean => {
    const verdict = host.limiter.check(weight, throttleable);
    if (verdict.status === 200) return true;
    if (verdict.status === 429) host.counters.status429++;
    else host.counters.status418++;
    send(verdict.status, { code: -1003, msg: verdict.message }, {
      "Retry-After": String(verdict.retryAfterSeconds),
    });
    return false;
  };
  if (req.method !== "GET" && req.method !== "HEAD") {
    send(405, { code: -1, msg: `Method ${req.method} is not supported by the simulator.` });
    return;
  }
  const prefix = MARKET_URLS[host.market ?? "spot"].restPath;
  switch (url.pathname) {
    case `${prefix}/ping`:
      if (charge(1, false)) send(200, {});
      return;
    case `${prefix}/time`:
      if (charge(1, false)) send(200, { serverTime: host.now() });
      return;
    case `${prefix}/exchangeInfo`:
      if (charge(EXCHANGE_INFO_WEIGHT, false)) send(200, exchangeInfo(host, url));
      return;
    case `${prefix}/depth`:
      return depth(host, url, charge, send);
    default:
      send(404, { code: -1, msg: `Unknown path ${url.pathname}.` });
  }
}

function depth(
  host: RestHost,
  url: URL,
  charge: (weight: number, throttleable: boolean) => boolean,
  send: (status: number, body: unknown) => void,
): void {
  host.counters.depthRequests++;
  const market = host.market ?? "spot";
  const limitParam = url.searchParams.get("limit");
  let limit = DEFAULT_DEPTH_LIMIT;
  let limitError: string | null = null;
  if (limitParam !== null) {
    if (!/^[0-9]{1,20}$/.test(limitParam)) {
      limitError = "Illegal characters found in parameter 'limit'; legal range is '^[0-9]{1,20}$'.";
    } else if (Number(limitParam) < 1) {
      limitError = "Illegal value for parameter 'limit'; it must be at least 1.";
    } else limit = Math.min(Number(limitParam), MARKET_LIMITS[market].maxDepthLimit);
  }
  if (!charge(limitError ? 1 : marketDepthWeight(market, limit), true)) return;
  if (limitError) return send(400, { code: -1100, msg: limitError });
  const symbol = url.searchParams.get("symbol");
  if (symbol === null || symbol === "") {
    return send(400, {
      code: -1102,
      msg: "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
    });
  }
  const snapshot = host.depth(symbol, limit);
  if (snapshot === null) return send(400, { code: -1121, msg: "Invalid symbol." });
  if (market === "usdm") {
    // Futures answer with the message time E and the matching engine's time T.
    const now = host.now();
    const { lastUpdateId, bids, asks } = snapshot;
    return send(200, { lastUpdateId, E: now, T: now, bids, asks });
  }
  send(200, snapshot);
}

function exchangeInfo(host: RestHost, url: URL): unknown {
  let symbols = host.symbolInfos();
  const one = url.searchParams.get("symbol");
  if (one !== null) symbols = symbols.filter((s) => s.symbol === one);
  return {
    timezone: "UTC",
    serverTime: host.now(),
    rateLimits: [
      {
        rateLimitType: "REQUEST_WEIGHT",
        interval: "MINUTE",
        intervalNum: 1,
        limit: host.weightPerMinute,
      },
      { rateLimitType: "ORDERS", interval: "SECOND", intervalNum: 10, limit: 100 },
      { rateLimitType: "ORDERS", interval: "DAY", intervalNum: 1, limit: 200000 },
      { rateLimitType: "RAW_REQUESTS", interval: "MINUTE", intervalNum: 5, limit: 61000 },
    ],
    exchangeFilters: [],
    symbols: symbols.map((s) => ({
      symbol: s.symbol,
      status: s.status,
      baseAsset: s.baseAsset,
      baseAssetPrecision: 8,
      quoteAsset: s.quoteAsset,
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      isSpotTradingAllowed: s.status === TRADING_STATUS,
      filters: [
        {
          filterType: "PRICE_FILTER",
          minPrice: "0.01000000",
          maxPrice: "1000000.00000000",
          tickSize: "0.01000000",
        },
      ],
    })),
  };
}
