/**
 * Start-up: `GET /api/v3/exchangeInfo` for the request-weight limit and the symbols — every
 * trading symbol (of the configured quote assets) for `symbols: "all"`, else a check that each
 * configured symbol exists. Retried with backoff (within the weight budget) until it answers.
 *
 * @module
 */
import {
  EXCHANGE_INFO_WEIGHT,
  type ExchangeInfo,
  parseExchangeInfo,
  requestWeightPerMinute,
  TRADING_STATUS,
  tradingSymbols,
} from "../binance/exchange_info.ts";
import type { Market } from "../binance/limits.ts";
import { exchangeInfoUrl } from "../binance/urls.ts";
import type { CollectorConfig } from "../cli/config.ts";
import { InputError } from "../util/errors.ts";
import { isSymbol } from "../util/symbol.ts";
import { formatShard, type Shard, shardSymbols } from "../util/shard.ts";
import type { Logger } from "../util/log.ts";
import { Backoff } from "./backoff.ts";
import { weightedFetch } from "./weighted_fetch.ts";
import type { WeightBudget } from "./weight_budget.ts";

/** What start-up learned. */
export interface Discovery {
  /** Symbols to follow, upper case. */
  symbols: string[];
  /** `REQUEST_WEIGHT` per minute, or `null` when `exchangeInfo` lists none. */
  weightPerMinute: number | null;
}

/** Side effects of {@linkcode discoverSymbols}. */
export interface DiscoverOptions {
  fetch: typeof fetch;
  budget: WeightBudget;
  log: Logger;
  now: () => number;
  /** Aborts the retries (the collector is stopping). */
  signal: AbortSignal;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Fetches `exchangeInfo` until it answers, within the budget and any `Retry-After`. */
async function fetchExchangeInfo(
  restUrl: string,
  market: Market,
  o: DiscoverOptions,
): Promise<ExchangeInfo> {
  const backoff = new Backoff({ baseMs: 1000, maxMs: 60_000 });
  for (;;) {
    const wait = o.budget.waitFor(EXCHANGE_INFO_WEIGHT, o.now());
    if (wait > 0) await sleep(wait, o.signal);
    let problem: string;
    try {
      const { response, limitedMs } = await weightedFetch(exchangeInfoUrl(restUrl, market), {
        budget: o.budget,
        weight: EXCHANGE_INFO_WEIGHT,
        fetch: o.fetch,
        now: o.now,
        signal: o.signal,
      });
      const text = await response.text();
      if (limitedMs !== null) {
        problem = `HTTP ${response.status}, Retry-After ${limitedMs} ms`;
      } else if (response.status !== 200) {
        problem = `HTTP ${response.status}: ${text.slice(0, 200)}`;
      } else {
        return parseExchangeInfo(text);
      }
    } catch (error) {
      if (o.signal.aborted) throw error;
      problem = error instanceof Error ? error.message : String(error);
    }
    const delay = backoff.next();
    o.log.warn(`exchangeInfo failed (${problem}); retrying in ${Math.round(delay)} ms`, {
      url: exchangeInfoUrl(restUrl, market),
    });
    await sleep(delay, o.signal);
  }
}

/**
 * The symbols to follow and the weight limit. Configured symbols the exchange does not list are
 * an {@linkcode InputError}; listed but not trading ones are followed with a warning.
 */
export async function discoverSymbols(
  config: Pick<CollectorConfig, "symbols" | "quoteAssets" | "restUrl"> & {
    market?: Market;
    shard?: Shard | null;
  },
  options: DiscoverOptions,
): Promise<Discovery> {
  const found = await listedSymbols(config, options);
  if (config.shard === undefined || config.shard === null) return found;
  // The shard is taken of the list as known now, so it holds for "all" and for a given list.
  const symbols = shardSymbols(found.symbols, config.shard);
  if (symbols.length === 0) {
    throw new InputError(
      `No symbol of the ${found.symbols.length} falls in shard ${formatShard(config.shard)}`,
    );
  }
  options.log.info(
    `Shard ${formatShard(config.shard)}: ${symbols.length} of ${found.symbols.length} symbols`,
    { shard: formatShard(config.shard), symbols: symbols.length, of: found.symbols.length },
  );
  return { ...found, symbols };
}

async function listedSymbols(
  config: Pick<CollectorConfig, "symbols" | "quoteAssets" | "restUrl"> & { market?: Market },
  options: DiscoverOptions,
): Promise<Discovery> {
  const market = config.market ?? "spot";
  const info = await fetchExchangeInfo(config.restUrl, market, options);
  const weightPerMinute = requestWeightPerMinute(info);
  if (config.symbols === "all") {
    const all = tradingSymbols(info, config.quoteAssets);
    const symbols = all.filter(isSymbol);
    const odd = all.filter((s) => !isSymbol(s));
    if (odd.length > 0) {
      options.log.warn(
        `Skipping ${odd.length} symbol(s) that are not letters and digits: ${
          odd.slice(0, 10).map((s) => JSON.stringify(s)).join(", ")
        }`,
        { skipped: odd.length },
      );
    }
    if (symbols.length === 0) {
      throw new InputError(
        `No trading symbol quoted in ${JSON.stringify(config.quoteAssets)} on ${config.restUrl}`,
      );
    }
    return { symbols, weightPerMinute };
  }
  const listed = new Map(info.symbols.map((s) => [s.symbol.toUpperCase(), s]));
  const unknown = config.symbols.filter((s) => !listed.has(s.toUpperCase()));
  if (unknown.length > 0) {
    throw new InputError(
      `Unknown symbol${unknown.length > 1 ? "s" : ""} ${
        unknown.map((s) => JSON.stringify(s)).join(", ")
      }: not listed by ${exchangeInfoUrl(config.restUrl, market)}`,
    );
  }
  const symbols = [...new Set(config.symbols.map((s) => s.toUpperCase()))];
  for (const symbol of symbols) {
    const status = listed.get(symbol)!.status;
    if (status !== TRADING_STATUS) {
      options.log.warn(`Symbol ${symbol} is not trading (status ${status}); following it anyway`, {
        symbol,
        status,
      });
    }
  }
  return { symbols, weightPerMinute };
}
