import assert from "node:assert/strict";
import { silentLogger } from "../util/log.ts";
import { LatencyHistogram } from "../util/latency.ts";
import { MemorySink } from "./sink.ts";
import {
  recordKind as describe,
  tinyEvent as ev,
  tinySnapshot as snap,
} from "../../tests/helpers/collector_harness.ts";
import type { SnapshotPriority } from "./snapshot_scheduler.ts";
import { type Feed, FeedMerge } from "./feed_merge.ts";
import { SymbolSync, type SymbolSyncContext } from "./symbol_sync.ts";

const A: Feed = { id: 1 };
const B: Feed = { id: 2 };

function setup(options: { holdMs?: number } = {}) {
  const clock = { now: 0 };
  const sink = new MemorySink();
  const requests: SnapshotPriority[] = [];
  const switched: Feed[] = [];
  const ctx: SymbolSyncContext = {
    sink,
    requestSnapshot: (_s, p) => {
      requests.push(p);
      run.onSnapshotDispatched(); // sent at once, as with budget to spare
    },
    log: silentLogger,
    recvNow: () => 1,
    now: () => clock.now,
  };
  const run: SymbolSync = new SymbolSync("BTCUSDT", ctx, { maxBuffered: 100 });
  const merge = new FeedMerge("BTCUSDT", run, {
    maxHeld: 100,
    now: () => clock.now,
    stats: run.stats,
    onJoined: (f) => switched.push(f),
    ...options,
  });
  const kinds = () => sink.of("BTCUSDT").map(describe);
  return { sink, requests, switched, run, merge, kinds, clock };
}

/** A state in sync at `id` on feed A. */
function synced(id = 10, options: { holdMs?: number } = {}) {
  const t = setup(options);
  t.merge.attach(A);
  t.merge.onEvent(A, ev(id - 1, id), 1);
  t.run.onSnapshot(snap(id - 1), 1);
  assert.ok(t.run.inSync);
  assert.equal(t.run.sync.lastUpdateId, id);
  return t;
}

Deno.test("FeedMerge hands off to a new connection with no gap and no duplicate", () => {
  const t = synced(10);
  t.merge.beginHandoff(B);
  t.merge.onEvent(B, ev(9, 9), 1); // already delivered by A: dropped
  t.merge.onEvent(B, ev(13, 14), 1); // ahead of A: queued
  assert.equal(t.merge.primary, A);
  t.merge.onEvent(A, ev(11, 12), 1); // A reaches the queue: B has caught up
  assert.equal(t.merge.primary, B);
  assert.deepEqual(t.switched, [B]);
  assert.equal(t.merge.isJoining(B), false);
  t.merge.onEvent(A, ev(13, 14), 1); // the old connection repeats: dropped
  t.merge.onEvent(B, ev(15, 15), 1);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "e11-12", "e13-14", "e15-15"]);
  assert.equal(t.run.sync.lastUpdateId, 15);
  assert.equal(t.run.stats.gaps, 0);
  assert.equal(t.run.stats.duplicates, 2);
  assert.deepEqual(t.requests, ["start"], "no snapshot for a handoff");
});

Deno.test("FeedMerge switches as soon as the queued events continue the old connection", () => {
  const t = synced(10);
  t.merge.beginHandoff(B);
  t.merge.onEvent(B, ev(12, 13), 1);
  t.merge.onEvent(B, ev(14, 14), 1);
  t.merge.onEvent(A, ev(11, 11), 1);
  assert.equal(t.merge.primary, B);
  assert.deepEqual(t.switched, [B]);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "e11-11", "e12-13", "e14-14"]);
  assert.equal(t.run.sync.lastUpdateId, 14);
});

Deno.test("FeedMerge records a disconnect gap when the old connection dies before a bridge", () => {
  const t = synced(10);
  t.merge.beginHandoff(B);
  t.merge.onEvent(B, ev(20, 21), 1);
  assert.deepEqual(t.kinds(), ["e9-10", "s9"], "held while A may still fill the hole");
  t.merge.detach(A, "connection 1 closed");
  assert.equal(t.merge.primary, B);
  assert.equal(t.run.inSync, false);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "gap:disconnect@10", "e20-21"]);
  assert.match(JSON.stringify(t.sink.of("BTCUSDT")[2]), /next event starts at U=20/);
  assert.deepEqual(t.requests, ["start", "resync"]);
});

Deno.test("FeedMerge records a disconnect gap on a drop and waits for a new connection", () => {
  const t = synced(10);
  t.merge.detach(A, "connection 1 closed (1006)");
  assert.equal(t.merge.primary, null);
  assert.equal(t.run.inSync, false);
  t.merge.attach(B);
  t.merge.onEvent(B, ev(30, 31), 1);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "gap:disconnect@10", "e30-31"]);
  assert.deepEqual(t.requests, ["start", "resync"]);
});

Deno.test("FeedMerge switches when the new connection catches up exactly with the old", () => {
  const t = synced(10);
  t.merge.beginHandoff(B);
  t.merge.onEvent(A, ev(11, 12), 1);
  t.merge.onEvent(B, ev(11, 12), 1); // same event, later: B is now level with A
  assert.deepEqual(t.switched, [B]);
  t.merge.onEvent(A, ev(13, 13), 1); // still counts until the pool detaches A
  t.merge.onEvent(B, ev(13, 13), 1);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "e11-12", "e13-13"]);
  assert.equal(t.run.stats.handoffs, 1);
  assert.equal(t.run.stats.duplicates, 2);
});

Deno.test("FeedMerge does not switch to a new connection that is behind", () => {
  const t = synced(10);
  t.merge.beginHandoff(B);
  t.merge.onEvent(A, ev(11, 12), 1);
  t.merge.onEvent(A, ev(13, 14), 1);
  t.merge.onEvent(B, ev(11, 12), 1); // behind A
  assert.deepEqual(t.switched, []);
  assert.equal(t.merge.isJoining(B), true);
  t.merge.onEvent(B, ev(13, 14), 1); // level
  assert.deepEqual(t.switched, [B]);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "e11-12", "e13-14"]);
});

Deno.test("FeedMerge hands off to a connection that batches differently: book snapshot, no gap", () => {
  const t = synced(10);
  t.merge.beginHandoff(B);
  t.merge.onEvent(A, ev(11, 11), 1);
  t.merge.onEvent(B, ev(10, 12), 1); // overlaps the book at 11: bridges, does not continue
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "e11-11"], "held: A may still continue exactly");
  t.merge.detach(A, "connection 1 replaced by 2");
  assert.equal(t.merge.primary, B);
  assert.ok(t.run.inSync);
  assert.equal(t.run.sync.lastUpdateId, 12);
  t.merge.onEvent(B, ev(13, 13), 1);
  assert.deepEqual(t.kinds(), [
    "e9-10",
    "s9",
    "e11-11",
    "s11",
    "e10-12",
    "e13-13",
  ]);
  const carried = t.sink.of("BTCUSDT")[3]!;
  assert.ok(carried.type === "snapshot" && carried.source === "book");
  assert.deepEqual(t.requests, ["start"], "no REST snapshot");
});

Deno.test("FeedMerge records a disconnect gap when a forced handoff finds a hole", () => {
  const t = synced(10);
  t.merge.beginHandoff(B);
  t.merge.onEvent(B, ev(14, 15), 1); // ahead of A with a hole
  t.merge.onEvent(A, ev(11, 11), 1);
  assert.equal(t.merge.primary, A);
  t.merge.detach(A, "handoff timed out");
  assert.equal(t.merge.primary, B);
  assert.equal(t.run.inSync, false);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "e11-11", "gap:disconnect@11", "e14-15"]);
  assert.deepEqual(t.requests, ["start", "resync"]);
});

Deno.test("SymbolSync.status() through a merge says in sync, resyncing or stale, since when and why", () => {
  let now = 1000;
  const run: SymbolSync = new SymbolSync("BTCUSDT", {
    sink: new MemorySink(),
    requestSnapshot: () => run.onSnapshotDispatched(),
    log: silentLogger,
    recvNow: () => 1,
    now: () => now,
  }, { maxBuffered: 100 });
  const state = new FeedMerge("BTCUSDT", run, { maxHeld: 100, stats: run.stats });
  assert.deepEqual(run.status(), { state: "stale", since: 1000, detail: "start" });
  now = 2000;
  state.attach(A);
  assert.deepEqual(run.status(), { state: "resyncing", since: 2000, detail: "start" });
  state.onEvent(A, ev(9, 10), 1);
  now = 3000;
  run.onSnapshot(snap(9), 1);
  assert.deepEqual(run.status(), { state: "in-sync", since: 3000 });
  now = 4000;
  state.onEvent(A, ev(12, 13), 1);
  assert.deepEqual(run.status(), { state: "resyncing", since: 4000, detail: "sequence" });
  state.onEvent(A, ev(14, 14), 1);
  run.onSnapshot(snap(13), 1);
  now = 5000;
  state.detach(A, "connection 1 closed");
  assert.deepEqual(run.status(), { state: "stale", since: 5000, detail: "disconnect" });
});

Deno.test("FeedMerge takes each event once from whichever of two feeds brings it first", () => {
  const t = synced(10);
  t.merge.attach(B);
  t.merge.onEvent(B, ev(11, 12), 1); // B first
  t.merge.onEvent(A, ev(11, 12), 1);
  t.merge.onEvent(A, ev(13, 13), 1); // A first
  t.merge.onEvent(B, ev(13, 13), 1);
  t.merge.onEvent(A, ev(14, 15), 1);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "e11-12", "e13-13", "e14-15"]);
  assert.equal(t.run.stats.duplicates, 2);
  assert.equal(t.run.stats.gaps, 0);
  assert.equal(t.merge.primary, A);
  assert.deepEqual(t.switched, [], "an attached feed does not join: nothing to hand over");
});

Deno.test("FeedMerge: one of two feeds lost loses nothing; it rejoins when reopened", () => {
  const t = synced(10);
  t.merge.attach(B);
  t.merge.onEvent(B, ev(11, 11), 1);
  t.merge.detach(A, "connection 1 closed (1006)");
  t.merge.onEvent(B, ev(12, 12), 1);
  const A2: Feed = { id: 3 };
  t.merge.attach(A2);
  t.merge.onEvent(A2, ev(14, 14), 1); // the reopened feed is ahead of B: held for B
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "e11-11", "e12-12"]);
  t.merge.onEvent(B, ev(13, 13), 1);
  t.merge.onEvent(B, ev(14, 14), 1);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "e11-11", "e12-12", "e13-13", "e14-14"]);
  assert.ok(t.run.inSync);
  assert.equal(t.run.stats.gaps, 0);
  assert.deepEqual(t.requests, ["start"], "no snapshot");
  assert.equal(t.run.status().state, "in-sync");
});

Deno.test("FeedMerge: a hole in one feed is filled by the other", () => {
  const t = synced(10);
  t.merge.attach(B);
  t.merge.onEvent(B, ev(11, 11), 1);
  t.merge.onEvent(A, ev(11, 11), 1);
  t.merge.onEvent(A, ev(13, 13), 1); // A lost 12 (e.g. a bad frame): held, B may fill it
  t.merge.onEvent(A, ev(14, 14), 1);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "e11-11"]);
  t.merge.onEvent(B, ev(12, 12), 1);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "e11-11", "e12-12", "e13-13", "e14-14"]);
  t.merge.onEvent(B, ev(13, 13), 1);
  t.merge.onEvent(B, ev(14, 14), 1);
  assert.equal(t.run.stats.gaps, 0);
  assert.equal(t.run.sync.lastUpdateId, 14);
});

Deno.test("FeedMerge: a hole both feeds have is a sequence gap as soon as both passed it", () => {
  const t = synced(10);
  t.merge.attach(B);
  t.merge.onEvent(A, ev(11, 11), 1);
  t.merge.onEvent(B, ev(11, 11), 1);
  t.merge.onEvent(A, ev(13, 13), 1); // held: B may have 12
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "e11-11"]);
  t.merge.onEvent(B, ev(13, 13), 1); // B has the hole too: the exchange's
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "e11-11", "gap:sequence@11", "e13-13"]);
  assert.equal(t.run.stats.gaps, 1);
  assert.deepEqual(t.requests, ["start", "resync"]);
});

Deno.test("FeedMerge gives up on a hole held longer than holdMs", () => {
  const t = synced(10, { holdMs: 1000 });
  t.merge.attach(B);
  t.merge.onEvent(A, ev(11, 11), 1);
  t.merge.onEvent(B, ev(11, 11), 1); // B stays behind from now on
  t.merge.onEvent(A, ev(13, 13), 1);
  t.clock.now = 999;
  t.merge.onEvent(A, ev(14, 14), 1);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "e11-11"]);
  t.clock.now = 1000;
  t.merge.onEvent(A, ev(15, 15), 1);
  assert.deepEqual(t.kinds(), [
    "e9-10",
    "s9",
    "e11-11",
    "gap:sequence@11",
    "e13-13",
    "e14-14",
    "e15-15",
  ]);
});

Deno.test("FeedMerge: a single feed's hole is a gap at once (nothing to wait for)", () => {
  const t = synced(10);
  t.merge.onEvent(A, ev(12, 12), 1);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "gap:sequence@10", "e12-12"]);
});

Deno.test("FeedMerge counts per feed which delivered first, and their lag", () => {
  const t = synced(10);
  const fast: Feed = { id: 5, delivery: { first: 0, repeated: 0, lag: new LatencyHistogram() } };
  const slow: Feed = { id: 6, delivery: { first: 0, repeated: 0, lag: new LatencyHistogram() } };
  t.merge.attach(fast);
  t.merge.attach(slow);
  t.merge.detach(A, "gone");
  for (let id = 11; id <= 20; id++) {
    t.merge.onEvent(fast, { ...ev(id, id), E: 100 }, 103);
    t.merge.onEvent(slow, { ...ev(id, id), E: 100 }, 140);
  }
  assert.equal(fast.delivery!.first, 10);
  assert.equal(slow.delivery!.repeated, 10);
  assert.equal(slow.delivery!.first, 0);
  const p50 = (f: Feed) => f.delivery!.lag.snapshot().quantile(0.5)!;
  assert.ok(p50(fast) < 5 && p50(slow) > 30, `${p50(fast)} ${p50(slow)}`);
});
