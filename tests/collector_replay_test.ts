/**
 * The collector following a replay of real Binance recordings (BTCUSDT and ETHUSDT spot, the
 * exchange's own event batching), with connection rollovers on the way: after every applied event
 * the top 500 levels of the book must equal the simulator's replayed book at the same update id;
 * nothing lost, nothing twice.
 */
import assert from "node:assert/strict";
import { sharedDataPath } from "../lib/recording/raw_recording.ts";
import {
  assertLossless,
  auditRecords,
  sleep,
  startHarness,
  until,
} from "./helpers/collector_harness.ts";

Deno.test("collector: real recordings replayed, with rollovers, stay in sync and lose nothing", async () => {
  const files = ["btcusdt_20240808.gz", "btcusdt_20240809.gz", "ethusdt_20240808.gz"]
    .map((f) => sharedDataPath(`spot/${f}`));
  await using h = await startHarness({
    sim: { replay: files, replaySpeed: 25 },
    config: { symbols: ["BTCUSDT", "ETHUSDT"], snapshotLimit: 1000, rolloverAfterMs: 1200 },
    compareDepth: 500, // the snapshot has 1000 levels; beyond them the books differ
  });
  await h.collector.ready;
  await until("both in sync", () => h.collector.stats().inSync === 2);
  await sleep(3000);
  await h.collector.stop();
  const stats = h.collector.stats();
  assert.ok(stats.connections.handoffsCompleted >= 2, `${stats.connections.handoffsCompleted}`);
  assert.equal(stats.connections.handoffsForced, 0);
  assert.equal(stats.gaps, 0);
  const symbols = ["BTCUSDT", "ETHUSDT"];
  for (const symbol of symbols) {
    const audit = auditRecords(h.sink.of(symbol), h.sim.events(symbol));
    assert.ok(audit.events > 200, `${symbol}: ${audit.events} events`);
  }
  assertLossless(h, symbols);
  assert.ok(h.checked.count > 400, `${h.checked.count} books checked`);
});
