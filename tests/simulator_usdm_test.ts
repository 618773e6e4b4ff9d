import assert from "node:assert/strict";
import { startSimulator } from "../lib/simulator/simulator.ts";
import { USED_WEIGHT_HEADER } from "../lib/binance/limits.ts";
import { parseExchangeInfo, requestWeightPerMinute } from "../lib/binance/exchange_info.ts";
import type { DepthUpdate } from "../lib/binance/types.ts";

Deno.test("simulator market usdm: /fapi/v1 REST with futures weights, E and T; no /api/v3", async () => {
  await using sim = await startSimulator({
    market: "usdm",
    levelsPerSide: 1200,
    updateIntervalMs: 0,
  });
  sim.step(3);
  const weights: number[] = [];
  for (const limit of [50, 100, 500, 1000, 5000]) {
    const response = await fetch(`${sim.url}/fapi/v1/depth?symbol=BTCUSDT&limit=${limit}`);
    const body = await response.json();
    assert.equal(response.status, 200);
    weights.push(Number(response.headers.get(USED_WEIGHT_HEADER)));
    assert.deepEqual(Object.keys(body), ["lastUpdateId", "E", "T", "bids", "asks"]);
    assert.equal(body.bids.length, Math.min(limit, 1000), "at most 1000 levels");
    assert.deepEqual(
      body.bids,
      sim.bookAt("BTCUSDT", body.lastUpdateId).bids.slice(0, body.bids.length),
    );
  }
  assert.deepEqual(weights, [2, 7, 17, 37, 57], "2, 5, 10, 20, 20 (5000 is served as 1000)");
  const info = await fetch(`${sim.url}/fapi/v1/exchangeInfo`);
  assert.equal(requestWeightPerMinute(parseExchangeInfo(await info.text())), 2400);
  const time = await (await fetch(`${sim.url}/fapi/v1/time`)).json();
  assert.equal(typeof time.serverTime, "number");
  const spot = await fetch(`${sim.url}/api/v3/depth?symbol=BTCUSDT`);
  assert.equal(spot.status, 404);
  await spot.body?.cancel();
});

Deno.test("simulator market usdm: /public/stream events carry T and pu (the previous u); a withheld one breaks pu", async () => {
  await using sim = await startSimulator({
    market: "usdm",
    levelsPerSide: 50,
    updateIntervalMs: 0,
  });
  const ws = new WebSocket(`${sim.wsUrl}/public/stream?streams=btcusdt@depth@100ms`);
  const events: DepthUpdate[] = [];
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  ws.onmessage = (m) => events.push(JSON.parse(m.data).data);
  await new Promise((r) => setTimeout(r, 50));
  sim.step(3);
  sim.withholdNextEvent("BTCUSDT");
  sim.step(2);
  const deadline = Date.now() + 2000;
  while (events.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  ws.close();
  assert.equal(events.length, 4);
  for (const event of events) {
    assert.deepEqual(Object.keys(event), ["e", "E", "T", "s", "U", "u", "pu", "b", "a"]);
  }
  assert.equal(events[1]!.pu, events[0]!.u);
  assert.equal(events[2]!.pu, events[1]!.u);
  assert.notEqual(events[3]!.pu, events[2]!.u, "the withheld event's u is the next one's pu");
  const all = sim.events("BTCUSDT");
  assert.equal(events[3]!.pu, all[all.length - 2]!.u);
  const spotPath = new WebSocket(`${sim.wsUrl}/stream?streams=btcusdt@depth@100ms`);
  const refused = await new Promise<boolean>((resolve) => {
    spotPath.onopen = () => resolve(false);
    spotPath.onerror = () => resolve(true);
  });
  assert.ok(refused, "futures streams are on the /public routed path only");
  await new Promise((r) => setTimeout(r, 20));
});
