import assert from "node:assert/strict";
import type { DepthUpdate } from "../lib/binance/types.ts";
import { RawWsClient } from "../lib/simulator/raw_ws_client.ts";
import { startSimulator } from "../lib/simulator/simulator.ts";

const options = { levelsPerSide: 100, updateIntervalMs: 10 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function depthEvents(client: RawWsClient, symbol = "BTCUSDT"): DepthUpdate[] {
  return client.texts.map((t) => JSON.parse(t).data as DepthUpdate).filter((d) => d.s === symbol);
}

Deno.test("withholdNextEvent() leaves a real gap: ids consumed, event sent to no one", async () => {
  await using sim = await startSimulator(options);
  const a = await RawWsClient.connect(`${sim.wsUrl}/stream?streams=btcusdt@depth@100ms`);
  const b = await RawWsClient.connect(`${sim.wsUrl}/stream?streams=btcusdt@depth@100ms`);
  await a.waitFor(() => depthEvents(a).length >= 3);
  sim.withholdNextEvent("BTCUSDT");
  const gapIn = (client: RawWsClient) => {
    const events = depthEvents(client);
    const i = events.findIndex((e, i) => i > 0 && e.U !== events[i - 1]!.u + 1);
    return i > 0 ? [events[i - 1]!, events[i]!] as const : undefined;
  };
  const [before, after] = await a.waitFor(() => gapIn(a));
  await b.waitFor(() => gapIn(b));
  assert.deepEqual(gapIn(b), [before, after]);
  const withheld = sim.events("BTCUSDT").find((e) => e.U === before.u + 1)!;
  assert.equal(withheld.u + 1, after.U);
  assert.equal(sim.stats.eventsWithheld, 1);
  // The oracle still knows the book at the withheld event's end.
  assert.ok(sim.bookAt("BTCUSDT", withheld.u).bids.length > 0);
  await a.close();
  await b.close();
});

Deno.test("dropConnections() ends TCP without a close frame; closeConnections() sends one", async () => {
  await using sim = await startSimulator(options);
  const dropped = await RawWsClient.connect(`${sim.wsUrl}/ws/btcusdt@depth@100ms`);
  await dropped.nextText();
  sim.dropConnections();
  assert.deepEqual(await dropped.closed, { code: null, reason: "" });
  const closed = await RawWsClient.connect(`${sim.wsUrl}/ws/btcusdt@depth@100ms`);
  await closed.nextText();
  sim.closeConnections(1001);
  assert.equal((await closed.closed).code, 1001);
  await sleep(20);
  assert.equal(sim.stats.connectionsOpen, 0);
  assert.equal(sim.stats.connectionsOpened, 2);
});

Deno.test("stallConnections() keeps TCP open but sends nothing, not even pings", async () => {
  await using sim = await startSimulator({ ...options, pingIntervalMs: 20, pongTimeoutMs: 150 });
  const client = await RawWsClient.connect(`${sim.wsUrl}/stream?streams=btcusdt@depth@100ms`, {
    autoPong: true,
  });
  await client.waitFor(() => client.texts.length >= 3 && client.pings >= 2);
  sim.stallConnections();
  await sleep(30);
  const [texts, pings] = [client.texts.length, client.pings];
  let ended = false;
  client.closed.then(() => ended = true);
  await sleep(400); // far beyond the pong timeout
  assert.deepEqual([client.texts.length, client.pings, ended], [texts, pings, false]);
  assert.deepEqual(sim.connections().map((c) => c.stalled), [true]);
  assert.equal(sim.stats.closedForNoPong, 0);
  // A new connection is served normally.
  const fresh = await RawWsClient.connect(`${sim.wsUrl}/stream?streams=btcusdt@depth@100ms`);
  await fresh.nextText();
  await fresh.close();
  await client.close();
});

Deno.test("Malformed, unknown-stream and unsubscribed-symbol frames reach every connection", async () => {
  await using sim = await startSimulator({ ...options, updateIntervalMs: 0 });
  sim.step(3);
  const combined = await RawWsClient.connect(`${sim.wsUrl}/stream?streams=btcusdt@depth@100ms`);
  const raw = await RawWsClient.connect(`${sim.wsUrl}/ws/btcusdt@depth@100ms`);
  await sleep(20);
  sim.sendMalformedFrame();
  sim.sendUnknownStreamFrame();
  sim.sendUnsubscribedSymbolFrame();
  for (const client of [combined, raw]) await client.waitFor(() => client.texts.length === 3);
  for (const client of [combined, raw]) {
    assert.throws(() => JSON.parse(client.texts[0]!), SyntaxError);
  }
  const unknown = JSON.parse(combined.texts[1]!);
  assert.equal(unknown.stream, "zzznosymbol@depth@100ms");
  assert.equal(JSON.parse(raw.texts[1]!).s, "ZZZNOSYMBOL");
  const other = JSON.parse(combined.texts[2]!);
  assert.equal(other.stream, "ethusdt@depth@100ms");
  assert.deepEqual(other.data, sim.events("ETHUSDT").at(-1));
  assert.equal(JSON.parse(raw.texts[2]!).s, "ETHUSDT");
  await combined.close();
  await raw.close();
});

Deno.test("throttleSnapshots() answers depth with 429 for its duration, then 418 if pushed", async () => {
  await using sim = await startSimulator({ ...options, updateIntervalMs: 0, banMs: 300 });
  const depth = `${sim.url}/api/v3/depth?symbol=BTCUSDT&limit=10`;
  const time = await fetch(`${sim.url}/api/v3/time`);
  await time.body?.cancel();
  assert.equal(time.status, 200);
  sim.throttleSnapshots(2500);
  const first = await fetch(depth);
  assert.equal(first.status, 429);
  assert.equal(first.headers.get("Retry-After"), "3");
  assert.equal((await first.json()).code, -1003);
  const second = await fetch(depth);
  await second.body?.cancel();
  assert.equal(second.status, 418);
  await sleep(350);
  // The ban is over but the throttle is not.
  const third = await fetch(depth);
  await third.body?.cancel();
  assert.equal(third.status, 429);
  assert.deepEqual([sim.stats.status429, sim.stats.status418], [2, 1]);
});
