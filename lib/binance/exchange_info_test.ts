import assert from "node:assert/strict";
import { parseExchangeInfo, requestWeightPerMinute, tradingSymbols } from "./exchange_info.ts";
import { FrameError } from "./parse.ts";

const BODY = JSON.stringify({
  timezone: "UTC",
  rateLimits: [
    { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: 6000 },
    { rateLimitType: "ORDERS", interval: "SECOND", intervalNum: 10, limit: 100 },
    { rateLimitType: "RAW_REQUESTS", interval: "MINUTE", intervalNum: 5, limit: 61000 },
  ],
  symbols: [
    { symbol: "BTCUSDT", status: "TRADING", baseAsset: "BTC", quoteAsset: "USDT" },
    { symbol: "ETHBTC", status: "TRADING", baseAsset: "ETH", quoteAsset: "BTC" },
    { symbol: "OLDUSDT", status: "BREAK", baseAsset: "OLD", quoteAsset: "USDT" },
  ],
});

Deno.test("requestWeightPerMinute() reads REQUEST_WEIGHT per minute", () => {
  assert.equal(requestWeightPerMinute(parseExchangeInfo(BODY)), 6000);
  const perSecond = {
    rateLimits: [{
      rateLimitType: "REQUEST_WEIGHT",
      interval: "SECOND",
      intervalNum: 10,
      limit: 50,
    }],
    symbols: [],
  };
  assert.equal(requestWeightPerMinute(perSecond), 50);
  assert.equal(requestWeightPerMinute({ rateLimits: [], symbols: [] }), null);
});

Deno.test("tradingSymbols() keeps TRADING symbols of the given quote assets", () => {
  const info = parseExchangeInfo(BODY);
  assert.deepEqual(tradingSymbols(info), ["BTCUSDT", "ETHBTC"]);
  assert.deepEqual(tradingSymbols(info, ["usdt"]), ["BTCUSDT"]);
});

Deno.test("parseExchangeInfo() rejects what is not an exchangeInfo body", () => {
  assert.throws(() => parseExchangeInfo("<html>"), FrameError);
  assert.throws(() => parseExchangeInfo('{"symbols":1}'), /Malformed exchangeInfo/);
});
