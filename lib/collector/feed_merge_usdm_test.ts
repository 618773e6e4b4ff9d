import assert from "node:assert/strict";
import type { DepthUpdate } from "../binance/types.ts";
import { silentLogger } from "../util/log.ts";
import {
  recordKind as describe,
  tinySnapshot as snap,
} from "../../tests/helpers/collector_harness.ts";
import { MemorySink } from "./sink.ts";
import { type Feed, FeedMerge } from "./feed_merge.ts";
import { SymbolSync } from "./symbol_sync.ts";

const A: Feed = { id: 1 };
const B: Feed = { id: 2 };

/** A futures event: ids `U..u` after the event that ended at `pu` (futures ids skip). */
function fev(pu: number, U: number, u: number): DepthUpdate {
  return {
    e: "depthUpdate",
    E: 1_750_000_000_000 + u,
    T: 1_750_000_000_000 + u,
    s: "BTCUSDT",
    U,
    u,
    pu,
    b: [[`${u}.0`, "1"]],
    a: [],
  };
}

function synced() {
  const sink = new MemorySink();
  const run: SymbolSync = new SymbolSync("BTCUSDT", {
    sink,
    requestSnapshot: () => run.onSnapshotDispatched(),
    log: silentLogger,
    recvNow: () => 1,
    now: () => 0,
  }, { maxBuffered: 100, market: "usdm" });
  const merge = new FeedMerge("BTCUSDT", run, { maxHeld: 100, market: "usdm", stats: run.stats });
  merge.attach(A);
  merge.attach(B);
  merge.onEvent(A, fev(5, 8, 10), 1);
  merge.onEvent(B, fev(5, 8, 10), 1);
  run.onSnapshot(snap(10), 1); // futures: u == lastUpdateId is applied
  assert.ok(run.inSync);
  return { sink, run, merge, kinds: () => sink.of("BTCUSDT").map(describe) };
}

Deno.test("FeedMerge (usdm): an event continues when pu == last u, ids may skip", () => {
  const t = synced();
  t.merge.onEvent(A, fev(10, 15, 20), 1);
  t.merge.onEvent(B, fev(10, 15, 20), 1);
  t.merge.onEvent(B, fev(20, 23, 30), 1);
  assert.deepEqual(t.kinds(), ["e8-10", "s10", "e15-20", "e23-30"]);
  assert.equal(t.run.sync.lastUpdateId, 30);
  assert.equal(t.run.stats.gaps, 0);
});

Deno.test("FeedMerge (usdm): one connection's missing event is brought by the other; no gap", () => {
  const t = synced();
  t.merge.onEvent(A, fev(20, 23, 30), 1); // A missed 15-20: held
  t.merge.onEvent(B, fev(10, 15, 20), 1);
  t.merge.onEvent(B, fev(20, 23, 30), 1);
  assert.deepEqual(t.kinds(), ["e8-10", "s10", "e15-20", "e23-30"]);
  assert.equal(t.run.stats.gaps, 0);
});

Deno.test("FeedMerge (usdm): a pu break no connection fills is a sequence gap", () => {
  const t = synced();
  t.merge.onEvent(A, fev(20, 23, 30), 1);
  t.merge.onEvent(B, fev(20, 23, 30), 1); // both passed the hole
  assert.deepEqual(t.kinds(), ["e8-10", "s10", "gap:sequence@10", "e23-30"]);
  assert.equal(t.run.inSync, false);
  const gap = t.sink.of("BTCUSDT").find((r) => r.type === "gap");
  assert.match(JSON.stringify(gap), /expected pu=10 got pu=20/);
});
