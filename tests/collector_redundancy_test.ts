/**
 * Redundant connections against the simulator (the default `redundancy: 2`): every set of streams
 * rides on two connections, events are taken once by update id, so losing one connection, or one
 * connection's bad frame, loses nothing: no gap, no snapshot. And bad exchange input, on every
 * connection or in a REST snapshot, is never recorded.
 */
import assert from "node:assert/strict";
import {
  assertLossless,
  auditRecords,
  type Harness,
  moreEvents,
  sleep,
  startHarness,
  until,
} from "./helpers/collector_harness.ts";

const SYMBOLS = ["BTCUSDT", "ETHUSDT"];

async function inSync(h: Harness): Promise<void> {
  await h.collector.ready;
  await until("all symbols in sync", () => h.collector.stats().inSync === SYMBOLS.length);
  await until("both lanes open", () => h.sim.stats.connectionsOpen === 2);
}

/** Waits for `n` more completed handoffs; returns when each one was seen (epoch ms). */
async function handoffTimes(h: Harness, n: number): Promise<number[]> {
  const base = h.collector.stats().connections.handoffsCompleted;
  const seen: number[] = [];
  await until(`${n} handoffs`, () => {
    const done = h.collector.stats().connections.handoffsCompleted - base;
    while (seen.length < done) seen.push(Date.now());
    return done >= n;
  });
  return seen;
}

/** Whether anything recorded for `symbol` holds the simulator's corrupt price. */
function recordedBadPrice(h: Harness, symbol: string): boolean {
  return h.sink.of(symbol).some((r) => JSON.stringify(r).includes("12.3x"));
}

Deno.test("collector: losing one of two connections loses nothing and fetches no snapshot", async () => {
  await using h = await startHarness({ sim: { symbols: SYMBOLS, updateIntervalMs: 20 } });
  await inSync(h);
  const requests = h.sim.stats.depthRequests;
  const [first] = h.sim.connections();
  for (let round = 0; round < 3; round++) {
    const victim = round === 0 ? first!.id : h.sim.connections().at(-1)!.id;
    h.sim.dropConnections([victim]);
    await until("the dropped lane reopened", () => h.sim.stats.connectionsOpened === 3 + round);
    await until("both lanes open", () => h.sim.stats.connectionsOpen === 2);
    await moreEvents(h, 10);
  }
  await h.collector.stop();
  const stats = h.collector.stats();
  assert.equal(stats.connections.drops, 3);
  assert.equal(stats.gaps, 0);
  assert.equal(h.sim.stats.depthRequests, requests, "no snapshot fetched");
  for (const s of h.collector.states().values()) {
    assert.ok(s.stats.duplicates > 0.3 * s.stats.events, `${s.stats.duplicates} repeated`);
  }
  assertLossless(h, SYMBOLS);
});

Deno.test("collector: losing both connections is a disconnect gap, then a clean resync", async () => {
  await using h = await startHarness({ sim: { symbols: SYMBOLS, updateIntervalMs: 20 } });
  await inSync(h);
  h.sim.dropConnections();
  await until(
    "back in sync",
    () => [...h.collector.states().values()].every((s) => s.inSync && s.stats.syncs === 2),
  );
  await h.collector.stop();
  for (const symbol of SYMBOLS) {
    const audit = auditRecords(h.sink.of(symbol), h.sim.events(symbol));
    assert.deepEqual(audit.gaps.map((g) => g.reason), ["disconnect"], symbol);
    assert.equal(audit.duplicates, 0, symbol);
    assert.equal(audit.different, 0, symbol);
    assert.deepEqual(audit.unannounced, [], symbol);
  }
  assert.deepEqual(h.mismatches, []);
});

Deno.test("collector: a bad frame on one connection is filled from the other: no gap, not recorded", async () => {
  await using h = await startHarness({ sim: { symbols: SYMBOLS, updateIntervalMs: 20 } });
  await inSync(h);
  const [one] = h.sim.connections();
  for (let i = 0; i < 5; i++) {
    h.sim.corruptNextEvent("BTCUSDT", [one!.id]);
    await until("the event went out", () => h.sim.stats.eventsCorrupted === i + 1);
    await moreEvents(h, 3);
  }
  await h.collector.stop();
  assert.equal(h.collector.stats().malformed, 5);
  assert.equal(h.collector.stats().gaps, 0);
  assert.ok(!recordedBadPrice(h, "BTCUSDT"));
  assert.ok(h.logs.some((l) => l.includes('level [\\"12.3x\\"') || l.includes("12.3x")));
  assertLossless(h, SYMBOLS);
});

Deno.test("collector: a bad frame on every connection is a sequence gap, and is never recorded", async () => {
  await using h = await startHarness({ sim: { symbols: SYMBOLS, updateIntervalMs: 20 } });
  await inSync(h);
  h.sim.corruptNextEvent("BTCUSDT");
  await until("resynced", () => h.collector.states().get("BTCUSDT")!.stats.syncs === 2);
  await h.collector.stop();
  assert.ok(!recordedBadPrice(h, "BTCUSDT"));
  const audit = auditRecords(h.sink.of("BTCUSDT"), h.sim.events("BTCUSDT"));
  assert.deepEqual(audit.gaps.map((g) => g.reason), ["sequence"]);
  assert.equal(audit.different, 0);
  assert.deepEqual(audit.unannounced, []);
  assertLossless(h, ["ETHUSDT"]);
});

Deno.test("collector: an unusable REST snapshot is not recorded; the next one is", async () => {
  await using h = await startHarness({
    sim: { symbols: SYMBOLS, updateIntervalMs: 20 },
    beforeStart: (sim) => sim.serveBadSnapshots(1),
    collector: { weightWindowMs: 1000 },
  });
  await inSync(h);
  await h.collector.stop();
  assert.equal(h.sim.stats.badSnapshotsServed, 1);
  assert.equal(h.collector.stats().snapshots.failed, 1);
  assert.ok(h.logs.some((l) => /Depth snapshot of \w+ failed.*12\.3x/.test(l)), "logged");
  for (const symbol of SYMBOLS) assert.ok(!recordedBadPrice(h, symbol), symbol);
  assertLossless(h, SYMBOLS);
});

Deno.test("collector: the two lanes roll over at different times, losing nothing", async () => {
  await using h = await startHarness({
    sim: { symbols: SYMBOLS, updateIntervalMs: 20 },
    config: { rolloverAfterMs: 1200 },
  });
  await inSync(h);
  const requests = h.sim.stats.depthRequests;
  const rolled = await handoffTimes(h, 4);
  await sleep(50);
  await h.collector.stop();
  const stats = h.collector.stats();
  assert.equal(h.sim.stats.depthRequests, requests, "no snapshot fetched");
  assert.equal(stats.connections.drops, 0);
  assert.equal(stats.connections.handoffsForced, 0);
  // Lane 1's first rollover comes a quarter period before lane 0's: never both at once.
  assert.ok(rolled[1]! - rolled[0]! >= 100, `rollovers at ${rolled.map((t) => t - rolled[0]!)}`);
  assertLossless(h, SYMBOLS);
});

Deno.test("collector: after both lanes reconnected at once, their rollovers stay apart", async () => {
  await using h = await startHarness({
    sim: { symbols: SYMBOLS, updateIntervalMs: 20 },
    config: { rolloverAfterMs: 1200 },
  });
  await inSync(h);
  h.sim.dropConnections();
  await until("both lanes back", () => h.sim.stats.connectionsOpened >= 4);
  await until("both lanes open", () => h.sim.stats.connectionsOpen === 2);
  const rolled = await handoffTimes(h, 2);
  await h.collector.stop();
  assert.ok(rolled[1]! - rolled[0]! >= 100, `rollovers at ${rolled.map((t) => t - rolled[0]!)}`);
});

Deno.test("collector: each connection's share of first deliveries and lag is reported", async () => {
  await using h = await startHarness({ sim: { symbols: SYMBOLS, updateIntervalMs: 20 } });
  await inSync(h);
  await moreEvents(h, 20);
  const rows = h.collector.connections();
  await h.collector.stop();
  assert.deepEqual(rows.map((r) => r.lane).sort(), [0, 1]);
  const first = rows.reduce((a, r) => a + r.first, 0);
  const repeated = rows.reduce((a, r) => a + r.repeated, 0);
  const taken = [...h.collector.states().values()].reduce((a, s) => a + s.stats.events, 0);
  assert.equal(first, taken, "every recorded event was some connection's first");
  assert.ok(repeated > 0.8 * first, `${repeated} repeated of ${first}`);
  assert.ok(rows.every((r) => r.lag.quantile(0.5) !== null));
});
