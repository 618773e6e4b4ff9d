import assert from "node:assert/strict";
import { silentLogger } from "../cli/log.ts";
import { MemorySink } from "./sink.ts";
import { recordKind as describe, tinyEvent as ev, tinySnapshot as snap } from "./testing.ts";
import type { SnapshotPriority } from "./snapshot_scheduler.ts";
import { type Feed, SymbolState } from "./symbol_state.ts";

const A: Feed = { id: 1 };
const B: Feed = { id: 2 };

function setup() {
  const sink = new MemorySink();
  const requests: SnapshotPriority[] = [];
  const switched: Feed[] = [];
  const state: SymbolState = new SymbolState("BTCUSDT", {
    sink,
    requestSnapshot: (_s, p) => {
      requests.push(p);
      state.onSnapshotDispatched(); // sent at once, as with budget to spare
    },
    onSwitched: (_s, f) => switched.push(f),
    log: silentLogger,
    recvNow: () => 1,
  }, { maxBuffered: 100 });
  const kinds = () => sink.of("BTCUSDT").map(describe);
  return { sink, requests, switched, state, kinds };
}

/** A state in sync at `id` on feed A. */
function synced(id = 10) {
  const t = setup();
  t.state.attach(A);
  t.state.onEvent(A, ev(id - 1, id), 1);
  t.state.onSnapshot(snap(id - 1), 1);
  assert.ok(t.state.inSync);
  assert.equal(t.state.sync.lastUpdateId, id);
  return t;
}

Deno.test("SymbolState hands off to a new connection with no gap and no duplicate", () => {
  const t = synced(10);
  t.state.beginHandoff(B);
  t.state.onEvent(B, ev(9, 9), 1); // already delivered by A: dropped
  t.state.onEvent(B, ev(13, 14), 1); // ahead of A: queued
  assert.equal(t.state.primary, A);
  t.state.onEvent(A, ev(11, 12), 1); // A reaches the queue: switch
  assert.equal(t.state.primary, B);
  assert.deepEqual(t.switched, [B]);
  t.state.onEvent(A, ev(13, 14), 1); // the old connection repeats: ignored
  t.state.onEvent(B, ev(15, 15), 1);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "e11-12", "e13-14", "e15-15"]);
  assert.equal(t.state.sync.lastUpdateId, 15);
  assert.equal(t.state.stats.gaps, 0);
  assert.equal(t.state.stats.duplicates, 2);
  assert.deepEqual(t.requests, ["start"], "no snapshot for a handoff");
});

Deno.test("SymbolState switches as soon as the queued events continue the old connection", () => {
  const t = synced(10);
  t.state.beginHandoff(B);
  t.state.onEvent(B, ev(12, 13), 1);
  t.state.onEvent(B, ev(14, 14), 1);
  t.state.onEvent(A, ev(11, 11), 1);
  assert.equal(t.state.primary, B);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "e11-11", "e12-13", "e14-14"]);
  assert.equal(t.state.sync.lastUpdateId, 14);
});

Deno.test("SymbolState records a disconnect gap when the old connection dies before a bridge", () => {
  const t = synced(10);
  t.state.beginHandoff(B);
  t.state.onEvent(B, ev(20, 21), 1);
  t.state.onClosed(A, "connection 1 closed");
  assert.equal(t.state.primary, B);
  assert.equal(t.state.inSync, false);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "gap:disconnect@10", "e20-21"]);
  assert.deepEqual(t.requests, ["start", "resync"]);
});

Deno.test("SymbolState records a disconnect gap on a drop and waits for a new connection", () => {
  const t = synced(10);
  t.state.onClosed(A, "connection 1 closed (1006)");
  assert.equal(t.state.primary, null);
  assert.equal(t.state.inSync, false);
  t.state.attach(B);
  t.state.onEvent(B, ev(30, 31), 1);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "gap:disconnect@10", "e30-31"]);
  assert.deepEqual(t.requests, ["start", "resync"]);
});

Deno.test("SymbolState switches when the new connection catches up exactly with the old", () => {
  const t = synced(10);
  t.state.beginHandoff(B);
  t.state.onEvent(A, ev(11, 12), 1);
  t.state.onEvent(B, ev(11, 12), 1); // same event, later: B is now level with A
  assert.equal(t.state.primary, B);
  t.state.onEvent(A, ev(13, 13), 1); // ignored: the old connection
  t.state.onEvent(B, ev(13, 13), 1);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "e11-12", "e13-13"]);
  assert.equal(t.state.stats.handoffs, 1);
  assert.equal(t.state.stats.duplicates, 2);
});

Deno.test("SymbolState does not switch to a new connection that is behind", () => {
  const t = synced(10);
  t.state.beginHandoff(B);
  t.state.onEvent(A, ev(11, 12), 1);
  t.state.onEvent(A, ev(13, 14), 1);
  t.state.onEvent(B, ev(11, 12), 1); // behind A
  assert.equal(t.state.primary, A);
  t.state.onEvent(B, ev(13, 14), 1); // level
  assert.equal(t.state.primary, B);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "e11-12", "e13-14"]);
});

Deno.test("SymbolState hands off to a connection that batches differently: book snapshot, no gap", () => {
  const t = synced(10);
  t.state.beginHandoff(B);
  t.state.onEvent(A, ev(11, 11), 1);
  t.state.onEvent(B, ev(10, 12), 1); // overlaps the book at 11: bridges, does not continue
  assert.equal(t.state.primary, B);
  assert.ok(t.state.inSync);
  assert.equal(t.state.sync.lastUpdateId, 12);
  t.state.onEvent(B, ev(13, 13), 1);
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

Deno.test("SymbolState records a disconnect gap when a forced handoff finds a hole", () => {
  const t = synced(10);
  t.state.beginHandoff(B);
  t.state.onEvent(B, ev(14, 15), 1); // ahead of A with a hole
  t.state.onEvent(A, ev(11, 11), 1);
  assert.equal(t.state.primary, A);
  t.state.finishHandoff("handoff timed out");
  assert.equal(t.state.primary, B);
  assert.equal(t.state.inSync, false);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "e11-11", "gap:disconnect@11", "e14-15"]);
  assert.deepEqual(t.requests, ["start", "resync"]);
});

Deno.test("SymbolState.status() says in sync, resyncing or stale, since when and why", () => {
  let now = 1000;
  const state: SymbolState = new SymbolState("BTCUSDT", {
    sink: new MemorySink(),
    requestSnapshot: () => state.onSnapshotDispatched(),
    log: silentLogger,
    recvNow: () => 1,
    now: () => now,
  }, { maxBuffered: 100 });
  assert.deepEqual(state.status(), { state: "stale", since: 1000, detail: "start" });
  now = 2000;
  state.attach(A);
  assert.deepEqual(state.status(), { state: "resyncing", since: 2000, detail: "start" });
  state.onEvent(A, ev(9, 10), 1);
  now = 3000;
  state.onSnapshot(snap(9), 1);
  assert.deepEqual(state.status(), { state: "in-sync", since: 3000 });
  now = 4000;
  state.onEvent(A, ev(12, 13), 1);
  assert.deepEqual(state.status(), { state: "resyncing", since: 4000, detail: "sequence" });
  state.onEvent(A, ev(14, 14), 1);
  state.onSnapshot(snap(13), 1);
  now = 5000;
  state.onClosed(A, "connection 1 closed");
  assert.deepEqual(state.status(), { state: "stale", since: 5000, detail: "disconnect" });
});
