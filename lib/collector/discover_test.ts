import assert from "node:assert/strict";
import { InputError } from "../util/errors.ts";
import { createLogger } from "../util/log.ts";
import { discoverSymbols } from "./discover.ts";
import { WeightBudget } from "./weight_budget.ts";

const INFO = JSON.stringify({
  rateLimits: [{
    rateLimitType: "REQUEST_WEIGHT",
    interval: "MINUTE",
    intervalNum: 1,
    limit: 6000,
  }],
  symbols: [
    { symbol: "BTCUSDT", status: "TRADING", baseAsset: "BTC", quoteAsset: "USDT" },
    { symbol: "ETHBTC", status: "TRADING", baseAsset: "ETH", quoteAsset: "BTC" },
    { symbol: "币安人生USDT", status: "TRADING", baseAsset: "币安人生", quoteAsset: "USDT" },
    { symbol: "OLDUSDT", status: "BREAK", baseAsset: "OLD", quoteAsset: "USDT" },
  ],
});

function options(answers: (() => Response)[]) {
  const lines: string[] = [];
  let calls = 0;
  const fetch = (() =>
    Promise.resolve(
      answers[Math.min(calls++, answers.length - 1)]!(),
    )) as typeof globalThis.fetch;
  return {
    lines,
    calls: () => calls,
    o: {
      fetch,
      budget: new WeightBudget({ budget: 3000 }),
      log: createLogger({ level: "verbose", write: (l) => lines.push(l) }),
      now: Date.now,
      signal: new AbortController().signal,
    },
  };
}

const base = { quoteAssets: [], restUrl: "http://127.0.0.1:1" };

Deno.test("discoverSymbols() takes every trading symbol of the quote assets for 'all'", async () => {
  const t = options([() => new Response(INFO)]);
  const found = await discoverSymbols({ ...base, symbols: "all", quoteAssets: ["USDT"] }, t.o);
  assert.deepEqual(found, { symbols: ["BTCUSDT"], weightPerMinute: 6000 });
  assert.ok(t.lines.some((l) => l.includes("Skipping 1 symbol(s)")));
});

Deno.test("discoverSymbols() refuses symbols the exchange does not list", async () => {
  const t = options([() => new Response(INFO)]);
  await assert.rejects(
    discoverSymbols({ ...base, symbols: ["BTCUSDT", "NOPE", "XYZ"] }, t.o),
    InputError,
    'Unknown symbols "NOPE", "XYZ"',
  );
});

Deno.test("discoverSymbols() follows a listed symbol that is not trading, with a warning", async () => {
  const t = options([() => new Response(INFO)]);
  const found = await discoverSymbols({ ...base, symbols: ["oldusdt"] }, t.o);
  assert.deepEqual(found.symbols, ["OLDUSDT"]);
  assert.ok(t.lines.some((l) => l.includes("not trading (status BREAK)")));
});

Deno.test("discoverSymbols() retries until exchangeInfo answers", async () => {
  const t = options([
    () => new Response("busy", { status: 503 }),
    () => new Response(INFO),
  ]);
  t.o.budget = new WeightBudget({ budget: 3000 });
  const started = Date.now();
  const found = await discoverSymbols({ ...base, symbols: ["BTCUSDT"] }, t.o);
  assert.deepEqual(found.symbols, ["BTCUSDT"]);
  assert.equal(t.calls(), 2);
  assert.ok(Date.now() - started >= 400, "waited a backoff before retrying");
  assert.ok(t.lines.some((l) => l.includes("exchangeInfo failed (HTTP 503")));
});

Deno.test("discoverSymbols() keeps the shard's share of 'all', the shards together all of it", async () => {
  const shards: string[][] = [];
  for (let index = 0; index < 2; index++) {
    const t = options([() => new Response(INFO)]);
    const found = await discoverSymbols(
      { ...base, symbols: "all", shard: { index, count: 2 } },
      t.o,
    ).catch(() => ({ symbols: [] as string[] }));
    shards.push(found.symbols);
  }
  assert.deepEqual([...shards[0]!, ...shards[1]!].sort(), ["BTCUSDT", "ETHBTC"]);
  assert.equal(shards[0]!.filter((s) => shards[1]!.includes(s)).length, 0);
});

Deno.test("discoverSymbols() refuses a shard that holds none of the symbols", async () => {
  const t = options([() => new Response(INFO)]);
  await assert.rejects(
    discoverSymbols({ ...base, symbols: ["BTCUSDT"], shard: { index: 0, count: 1000 } }, t.o),
    InputError,
    "No symbol of the 1 falls in shard 0/1000",
  );
});
