import assert from "node:assert/strict";
import { startSimulator } from "../lib/simulator/simulator.ts";
import { USED_WEIGHT_HEADER } from "../lib/binance/limits.ts";
import { parseExchangeInfo, requestWeightPerMinute } from "../lib/binance/exchange_info.ts";

async function get(url: string) {
  const response = await fetch(url);
  const body = await response.json();
  return {
    status: response.status,
    weight: Number(response.headers.get(USED_WEIGHT_HEADER)),
    retryAfter: response.headers.get("Retry-After"),
    body,
  };
}

Deno.test("GET /api/v3/depth serves the book exactly at lastUpdateId, with depth weights", async () => {
  await using sim = await startSimulator({ levelsPerSide: 1200, updateIntervalMs: 5 });
  const weights: number[] = [];
  for (const [limit, size] of [[undefined, 100], [500, 500], [1000, 1000], [5000, 1200]]) {
    await new Promise((r) => setTimeout(r, 20));
    const q = limit === undefined ? "" : `&limit=${limit}`;
    const r = await get(`${sim.url}/api/v3/depth?symbol=BTCUSDT${q}`);
    assert.equal(r.status, 200);
    weights.push(r.weight);
    const book = sim.bookAt("BTCUSDT", r.body.lastUpdateId);
    assert.ok(r.body.bids.length <= size! && r.body.bids.length >= Math.min(size!, 1000));
    assert.deepEqual(r.body.bids, book.bids.slice(0, r.body.bids.length));
    assert.deepEqual(r.body.asks, book.asks.slice(0, r.body.asks.length));
    assert.equal(r.body.bids.length, Math.min(size!, book.bids.length));
    assert.match(r.body.bids[0][0], /^\d+\.\d{8}$/);
  }
  assert.deepEqual(weights, [5, 30, 80, 330]);
  const events = sim.events("BTCUSDT");
  assert.ok(events.length > 5);
  assert.ok(events[0]!.U > 10_000_000_000);
});

Deno.test("GET /api/v3/depth answers Binance errors for bad symbols and limits", async () => {
  await using sim = await startSimulator({ updateIntervalMs: 0, levelsPerSide: 10 });
  const unknown = await get(`${sim.url}/api/v3/depth?symbol=NOPEUSDT`);
  assert.deepEqual([unknown.status, unknown.body], [400, { code: -1121, msg: "Invalid symbol." }]);
  const missing = await get(`${sim.url}/api/v3/depth`);
  assert.equal(missing.status, 400);
  assert.equal(missing.body.code, -1102);
  for (const limit of ["abc", "-5", "0", "1.5"]) {
    const bad = await get(`${sim.url}/api/v3/depth?symbol=BTCUSDT&limit=${limit}`);
    assert.equal(bad.status, 400, limit);
    assert.equal(bad.body.code, -1100, limit);
  }
  const capped = await get(`${sim.url}/api/v3/depth?symbol=BTCUSDT&limit=9999`);
  assert.equal(capped.status, 200);
  const notFound = await fetch(`${sim.url}/api/v3/nothing`);
  await notFound.body?.cancel();
  assert.equal(notFound.status, 404);
  assert.ok(notFound.headers.has(USED_WEIGHT_HEADER));
});

Deno.test("exchangeInfo, time and ping have the exchange's shape and use the simulator clock", async () => {
  const midnight = Date.UTC(2026, 0, 2) - 50;
  await using sim = await startSimulator({
    updateIntervalMs: 0,
    extraSymbols: 3,
    weightPerMinute: 1234,
    now: () => midnight,
  });
  const info = await get(`${sim.url}/api/v3/exchangeInfo`);
  assert.equal(info.status, 200);
  assert.equal(info.weight, 20);
  assert.equal(info.body.timezone, "UTC");
  assert.equal(info.body.serverTime, midnight);
  const weight = info.body.rateLimits.find((l: { rateLimitType: string }) =>
    l.rateLimitType === "REQUEST_WEIGHT"
  );
  assert.deepEqual(weight, {
    rateLimitType: "REQUEST_WEIGHT",
    interval: "MINUTE",
    intervalNum: 1,
    limit: 1234,
  });
  const types = new Set(
    info.body.rateLimits.map((l: { rateLimitType: string }) => l.rateLimitType),
  );
  assert.deepEqual([...types].sort(), ["ORDERS", "RAW_REQUESTS", "REQUEST_WEIGHT"]);
  const symbols = info.body.symbols as { symbol: string; status: string; baseAsset: string }[];
  assert.deepEqual(
    symbols.filter((s) => s.status === "TRADING").map((s) => s.symbol),
    ["BTCUSDT", "ETHUSDT", "XS0001USDT", "XS0002USDT", "XS0003USDT"],
  );
  assert.ok(symbols.some((s) => s.status === "BREAK"));
  assert.deepEqual(
    symbols.find((s) => s.symbol === "BTCUSDT"),
    { ...symbols.find((s) => s.symbol === "BTCUSDT"), baseAsset: "BTC", quoteAsset: "USDT" },
  );
  const parsed = parseExchangeInfo(JSON.stringify(info.body));
  assert.equal(requestWeightPerMinute(parsed), 1234);
  assert.deepEqual((await get(`${sim.url}/api/v3/time`)).body, { serverTime: midnight });
  const ping = await get(`${sim.url}/api/v3/ping`);
  assert.deepEqual([ping.body, ping.weight], [{}, 22]);
});

Deno.test("Over the weight budget: 429 with Retry-After, then 418 for a client that keeps on", async () => {
  // A minute scaled to 1.5 s, a ban to 3 s.
  await using sim = await startSimulator({
    updateIntervalMs: 0,
    weightPerMinute: 100,
    timeScale: 40,
  });
  const depth = `${sim.url}/api/v3/depth?symbol=BTCUSDT&limit=1000`;
  assert.equal((await get(depth)).weight, 50);
  assert.equal((await get(depth)).weight, 100);
  const limited = await get(depth);
  assert.equal(limited.status, 429);
  assert.equal(limited.body.code, -1003);
  // Seconds left in the 1.5 s window, rounded up.
  assert.ok(["1", "2"].includes(limited.retryAfter!), `Retry-After ${limited.retryAfter}`);
  assert.equal(limited.weight, 100);
  const banned = await get(`${sim.url}/api/v3/ping`);
  assert.equal(banned.status, 418);
  assert.equal(banned.retryAfter, "3");
  assert.match(banned.body.msg, /banned/);
  assert.equal((await get(depth)).status, 418);
  assert.deepEqual([sim.stats.status429, sim.stats.status418], [1, 2]);
});

Deno.test("A client that waits Retry-After after a 429 is served again", async () => {
  await using sim = await startSimulator({
    updateIntervalMs: 0,
    weightPerMinute: 10,
    timeScale: 60,
  });
  const depth = `${sim.url}/api/v3/depth?symbol=ETHUSDT&limit=5`;
  await get(depth);
  await get(depth);
  const limited = await get(depth);
  assert.equal(limited.status, 429);
  await new Promise((r) => setTimeout(r, Number(limited.retryAfter) * 1000));
  const again = await get(depth);
  assert.equal(again.status, 200);
  assert.equal(again.weight, 5);
});
