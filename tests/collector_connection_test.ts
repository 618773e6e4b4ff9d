/**
 * The collector's connections against the simulator: abrupt drops, the 24 h limit (scaled),
 * `serverShutdown`, a silent stall, and pings, with one connection per set of streams (redundant
 * connections: `collector_redundancy_test.ts`). A planned replacement must lose no update id,
 * record nothing twice and fetch no snapshot.
 */
import assert from "node:assert/strict";
import {
  assertLossless,
  auditRecords,
  type Harness,
  sleep,
  startHarness,
  until,
} from "./helpers/collector_harness.ts";

const SYMBOLS = ["BTCUSDT", "ETHUSDT"];
/** One connection per set of streams: these tests are about what happens to it. */
const ONE = { redundancy: 1 };

async function inSync(h: Harness, n = SYMBOLS.length): Promise<void> {
  await h.collector.ready;
  await until("all symbols in sync", () => h.collector.stats().inSync === n);
}

Deno.test("collector: an abrupt drop reconnects with backoff and resyncs with a disconnect gap", async () => {
  await using h = await startHarness({
    sim: { symbols: SYMBOLS, updateIntervalMs: 20 },
    config: ONE,
  });
  await inSync(h);
  const lastIds = SYMBOLS.map((s) => h.collector.states().get(s)!.sync.lastUpdateId);
  h.sim.dropConnections();
  await until("a reconnect", () => h.collector.stats().connections.reconnects >= 1);
  await until(
    "back in sync",
    () => [...h.collector.states().values()].every((s) => s.inSync && s.stats.syncs === 2),
  );
  await h.collector.stop();
  const stats = h.collector.stats();
  assert.equal(stats.connections.drops, 1);
  assert.equal(h.sim.stats.connectionsOpened, 2);
  SYMBOLS.forEach((symbol, i) => {
    const audit = auditRecords(h.sink.of(symbol), h.sim.events(symbol));
    assert.equal(audit.gaps.length, 1, symbol);
    assert.equal(audit.gaps[0]!.reason, "disconnect");
    assert.ok(audit.gaps[0]!.lastUpdateId! >= lastIds[i]!, symbol);
    assert.equal(audit.duplicates, 0, symbol);
    assert.deepEqual(audit.unannounced, [], symbol);
    assert.equal(audit.restSnapshots, 2, symbol);
  });
  assert.deepEqual(h.mismatches, []);
});

Deno.test("collector: rollover before the 24 h limit (scaled) loses nothing and fetches no snapshot", async () => {
  await using h = await startHarness({
    sim: { symbols: SYMBOLS, updateIntervalMs: 20, connectionLifetimeMs: 2500 },
    config: { ...ONE, rolloverAfterMs: 1000 },
  });
  await inSync(h);
  const requests = h.sim.stats.depthRequests;
  await until("three handoffs", () => h.collector.stats().connections.handoffsCompleted >= 3);
  await sleep(100);
  await h.collector.stop();
  const stats = h.collector.stats();
  assert.equal(h.sim.stats.depthRequests, requests, "no snapshot fetched");
  assert.equal(stats.connections.drops, 0);
  assert.equal(stats.connections.handoffsForced, 0);
  assert.equal(h.sim.stats.closedForLifetime, 0, "we always left before the server's close");
  assert.ok(stats.handoffs >= 3 * SYMBOLS.length, `${stats.handoffs} symbol handoffs`);
  assertLossless(h, SYMBOLS);
});

Deno.test("collector: the server's own 24 h close, announced by serverShutdown, loses nothing", async () => {
  await using h = await startHarness({
    sim: { symbols: SYMBOLS, updateIntervalMs: 20 },
    config: ONE,
  });
  await inSync(h);
  const requests = h.sim.stats.depthRequests;
  const opened = h.sim.stats.connectionsOpened;
  h.sim.sendServerShutdown();
  await until("the handoff", () => h.collector.stats().connections.handoffsCompleted === 1);
  await until("the old connection closed", () => h.sim.stats.connectionsOpen === 1);
  await sleep(200);
  await h.collector.stop();
  assert.equal(h.collector.stats().connections.shutdownNotices, 1);
  assert.equal(h.sim.stats.connectionsOpened, opened + 1);
  assert.equal(h.sim.stats.depthRequests, requests, "no snapshot fetched");
  assertLossless(h, SYMBOLS);
});

Deno.test("collector: serverShutdown, then the server closing the warned connection, loses nothing", async () => {
  await using h = await startHarness({
    sim: { symbols: SYMBOLS, updateIntervalMs: 20 },
    config: ONE,
  });
  await inSync(h);
  const requests = h.sim.stats.depthRequests;
  for (let round = 1; round <= 3; round++) {
    // As the exchange does before maintenance: a notice, then the warned connections close.
    const warned = h.sim.sendServerShutdown();
    await sleep(1000);
    h.sim.closeConnections(1000, warned);
    await until(
      `handoff ${round}`,
      () => h.collector.stats().connections.handoffsCompleted === round,
    );
    await until("one connection", () => h.sim.stats.connectionsOpen === 1);
  }
  await sleep(200);
  await h.collector.stop();
  const stats = h.collector.stats();
  assert.equal(stats.connections.drops, 0, "the closed connections were already replaced");
  assert.equal(h.sim.stats.depthRequests, requests, "no snapshot fetched");
  assertLossless(h, SYMBOLS);
});

Deno.test("collector: a silent connection is replaced by the watchdog", async () => {
  await using h = await startHarness({
    sim: { symbols: SYMBOLS, updateIntervalMs: 20 },
    config: { ...ONE, silenceTimeoutMs: 400 },
  });
  await inSync(h);
  h.sim.stallConnections();
  await until("the watchdog fired", () => h.collector.stats().connections.silences >= 1);
  await until(
    "back in sync",
    () => [...h.collector.states().values()].every((s) => s.inSync && s.stats.syncs === 2),
  );
  await h.collector.stop();
  assert.ok(h.logs.some((l) => l.includes("silent for 400 ms")));
  for (const symbol of SYMBOLS) {
    const audit = auditRecords(h.sink.of(symbol), h.sim.events(symbol));
    assert.deepEqual(audit.gaps.map((g) => g.reason), ["disconnect"], symbol);
    assert.equal(audit.duplicates, 0, symbol);
  }
  assert.deepEqual(h.mismatches, []);
});

Deno.test("collector: Deno answers the server's pings, so the connection outlives the pong timeout", async () => {
  await using h = await startHarness({
    sim: { symbols: SYMBOLS, updateIntervalMs: 50, timeScale: 200 }, // ping 100 ms, pong timeout 300 ms
    config: ONE,
  });
  await inSync(h);
  await sleep(1500); // five pong timeouts
  await h.collector.stop();
  assert.ok(h.sim.stats.pingsSent >= 10, `${h.sim.stats.pingsSent} pings`);
  assert.ok(h.sim.stats.pongsReceived >= h.sim.stats.pingsSent - 1);
  assert.equal(h.sim.stats.closedForNoPong, 0);
  assert.equal(h.sim.stats.connectionsOpened, 1);
  assertLossless(h, SYMBOLS);
});

Deno.test("collector: a drop in the middle of a handoff ends in a clean resync", async () => {
  await using h = await startHarness({
    sim: { symbols: SYMBOLS, updateIntervalMs: 20 },
    config: ONE,
  });
  await inSync(h);
  for (let i = 0; i < 3; i++) {
    h.collector.rolloverAll();
    await sleep(i * 15);
    h.sim.dropConnections();
    await sleep(50);
  }
  await until(
    "back in sync",
    () => h.collector.stats().inSync === SYMBOLS.length && h.sim.stats.connectionsOpen === 1,
  );
  const applied = h.collector.stats().applied;
  await until("events flowing", () => h.collector.stats().applied >= applied + 20);
  await h.collector.stop();
  for (const symbol of SYMBOLS) {
    const audit = auditRecords(h.sink.of(symbol), h.sim.events(symbol));
    assert.ok(audit.gaps.length >= 1, symbol);
    assert.ok(audit.gaps.every((g) => g.reason === "disconnect"), JSON.stringify(audit.gaps));
    assert.equal(audit.duplicates, 0, symbol);
    assert.equal(audit.different, 0, symbol);
    assert.deepEqual(audit.unannounced, [], symbol);
  }
  assert.deepEqual(h.mismatches, []);
});

Deno.test("collector: an unreachable stream endpoint is retried for ever with capped backoff", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await using h = await startHarness({
    sim: { symbols: SYMBOLS },
    config: {
      ...ONE,
      wsUrl: `ws://127.0.0.1:${deadPort}`,
      reconnectBaseMs: 40,
      reconnectMaxMs: 200,
    },
  });
  await h.collector.ready;
  await until("eight attempts", () => h.collector.stats().connections.reconnects >= 8);
  await h.collector.stop();
  const delays = h.logs
    .map((l) => l.match(/reconnecting in (\d+) ms/)?.[1])
    .filter((d) => d !== undefined)
    .map(Number);
  assert.ok(delays.length >= 8);
  assert.ok(delays.every((d) => d >= 20 && d <= 200), `${delays}`);
  assert.ok(delays.slice(4).every((d) => d >= 100), `reached the cap's range: ${delays}`);
  assert.equal(h.collector.stats().gaps, 0, "nothing known, nothing lost");
});
