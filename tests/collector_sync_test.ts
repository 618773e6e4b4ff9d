/**
 * The collector against the simulator, in-process: cold start, a withheld event, stale snapshots,
 * garbage frames. After every applied event the collector's book must equal the simulator's own
 * book at that update id.
 */
import assert from "node:assert/strict";
import { InputError } from "../lib/util/errors.ts";
import { assertLossless, auditRecords, startHarness, until } from "./helpers/collector_harness.ts";

const SYMBOLS = ["BTCUSDT", "ETHUSDT", "BNBUSDT"];

Deno.test("collector: a cold start brings every symbol in sync and records every event", async () => {
  await using h = await startHarness({ sim: { symbols: SYMBOLS, updateIntervalMs: 20 } });
  await h.collector.ready;
  await until("all symbols in sync", () => h.collector.stats().inSync === SYMBOLS.length);
  await until(
    "40 events each",
    () => [...h.collector.states().values()].every((s) => s.stats.applied >= 40),
  );
  await h.collector.stop();
  assertLossless(h, SYMBOLS);
  assert.ok(h.checked.count >= 120, `${h.checked.count} books checked`);
  assert.equal(h.sim.stats.status429 + h.sim.stats.status418, 0);
  assert.equal(h.collector.restWeight().budget, 3000, "half of the exchange's 6000");
});

Deno.test("collector: a withheld event resyncs that symbol alone; the others lose nothing", async () => {
  await using h = await startHarness({ sim: { symbols: SYMBOLS, updateIntervalMs: 20 } });
  await h.collector.ready;
  await until("all symbols in sync", () => h.collector.stats().inSync === SYMBOLS.length);
  const eth = h.collector.states().get("ETHUSDT")!;
  await until("a few ETH events", () => eth.stats.applied >= 5);
  const before = h.sim.events("ETHUSDT").length;
  h.sim.withholdNextEvent("ETHUSDT");
  await until("ETH gap", () => eth.stats.gaps === 1);
  await until("ETH in sync again", () => eth.inSync && eth.stats.syncs === 2);
  await until("some more events", () => eth.stats.applied >= 20);
  await h.collector.stop();

  const withheld = h.sim.events("ETHUSDT")[before]!;
  const eAudit = auditRecords(h.sink.of("ETHUSDT"), h.sim.events("ETHUSDT"));
  assert.equal(eAudit.gaps.length, 1);
  const gap = eAudit.gaps[0]!;
  assert.equal(gap.reason, "sequence");
  assert.equal(gap.lastUpdateId, withheld.U - 1, "last good id is just before the withheld one");
  assert.equal(gap.detail, `expected U=${withheld.U} got U=${withheld.u + 1}`);
  assert.equal(eAudit.missingIds, withheld.u - withheld.U + 1, "only the withheld ids are missing");
  assert.equal(eAudit.restSnapshots, 2);
  // The gap record comes right before the event that revealed it.
  const records = h.sink.of("ETHUSDT");
  const at = records.indexOf(gap);
  const next = records[at + 1]!;
  assert.ok(next.type === "depthUpdate" && next.U === withheld.u + 1);

  for (const symbol of ["BTCUSDT", "BNBUSDT"]) {
    const audit = auditRecords(h.sink.of(symbol), h.sim.events(symbol));
    assert.equal(audit.gaps.length, 0, symbol);
    assert.equal(audit.missingIds, 0, symbol);
    assert.equal(audit.duplicates, 0, symbol);
    assert.equal(h.collector.states().get(symbol)!.stats.syncs, 1, symbol);
  }
  assert.deepEqual(h.mismatches, []);
});

Deno.test("collector: a stale snapshot is fetched again", async () => {
  await using h = await startHarness({
    sim: { symbols: ["BTCUSDT"], updateIntervalMs: 20, staleSnapshotLag: 20 },
    beforeStart: async (sim) => {
      await until("some history", () => sim.events("BTCUSDT").length > 40);
      sim.serveStaleSnapshots(2);
    },
  });
  await h.collector.ready;
  await until("in sync", () => h.collector.stats().inSync === 1);
  await h.collector.stop();
  assert.equal(h.sim.stats.staleSnapshotsServed, 2);
  assert.equal(h.collector.stats().snapshots.received, 3);
  const audit = auditRecords(h.sink.of("BTCUSDT"), h.sim.events("BTCUSDT"));
  assert.equal(audit.restSnapshots, 3, "every snapshot is recorded, usable or not");
  assert.equal(audit.gaps.length, 0);
  assert.deepEqual(h.mismatches, []);
});

Deno.test("collector: malformed frames, unknown streams and unsubscribed symbols are survived", async () => {
  await using h = await startHarness({
    sim: { symbols: ["BTCUSDT", "ETHUSDT"], updateIntervalMs: 20 },
    config: { symbols: ["BTCUSDT"], redundancy: 1 },
  });
  await h.collector.ready;
  await until("in sync", () => h.collector.stats().inSync === 1);
  for (let i = 0; i < 3; i++) {
    h.sim.sendMalformedFrame();
    h.sim.sendUnknownStreamFrame();
    h.sim.sendUnsubscribedSymbolFrame();
  }
  const state = h.collector.states().get("BTCUSDT")!;
  const applied = state.stats.applied;
  await until("garbage counted", () => {
    const s = h.collector.stats();
    return s.malformed >= 3 && s.unknownStreams + s.unsubscribed >= 6;
  });
  await until("events keep flowing", () => state.stats.applied >= applied + 20);
  await h.collector.stop();
  const s = h.collector.stats();
  assert.equal(s.gaps, 0);
  assert.equal(s.connections.drops, 0);
  assert.equal(s.connections.connectionsOpened, 1);
  assert.ok(h.logs.some((l) => l.includes("Malformed message")));
  assert.ok(h.logs.some((l) => l.includes("not subscribed")));
  assert.ok(!h.sink.records.has("ETHUSDT"), "nothing recorded for a symbol we do not follow");
  assert.deepEqual(h.mismatches, []);
});

Deno.test("collector: a symbol the exchange does not list is refused before anything starts", async () => {
  await using h = await startHarness({
    sim: { symbols: ["BTCUSDT"] },
    config: { symbols: ["BTCUSDT", "NOPEUSDT"] },
  });
  await assert.rejects(h.collector.ready, InputError, 'Unknown symbol "NOPEUSDT"');
  assert.equal(h.sim.stats.connectionsOpened, 0);
  assert.equal(h.sim.stats.depthRequests, 0);
});

Deno.test("collector: sync progress is logged while snapshots wait for the weight budget", async () => {
  await using h = await startHarness({
    sim: { symbols: SYMBOLS, updateIntervalMs: 20, weightPerMinute: 600, weightWindowMs: 600 },
    // Budget 300 a window: one snapshot of weight 250 a window, the others wait.
    config: { statusIntervalMs: 100, snapshotLimit: 5000 },
    collector: { weightWindowMs: 600 },
  });
  await h.collector.ready;
  await until("all symbols in sync", () => h.collector.stats().inSync === SYMBOLS.length);
  await until("the all-synced line", () => h.logs.some((l) => l.includes("all 3 symbols synced")));
  await h.collector.stop();
  assert.ok(
    h.logs.some((l) =>
      /snapshots: [0-2]\/3 synced, next in \d+ ms, all in about \d+(\.\d)? m?s/.test(l)
    ),
    h.logs.join("\n"),
  );
  assert.equal(h.sim.stats.status429, 0);
});
