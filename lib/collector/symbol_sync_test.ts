import assert from "node:assert/strict";
import { silentLogger } from "../util/log.ts";
import { MemorySink } from "./sink.ts";
import {
  recordKind as describe,
  tinyEvent as ev,
  tinySnapshot as snap,
} from "../../tests/helpers/collector_harness.ts";
import type { SnapshotPriority } from "./snapshot_scheduler.ts";
import { SymbolSync } from "./symbol_sync.ts";

function setup() {
  const sink = new MemorySink();
  const requests: SnapshotPriority[] = [];
  const sync: SymbolSync = new SymbolSync("BTCUSDT", {
    sink,
    requestSnapshot: (_s, p) => {
      requests.push(p);
      sync.onSnapshotDispatched(); // sent at once, as with budget to spare
    },
    log: silentLogger,
    recvNow: () => 1,
  }, { maxBuffered: 100 });
  const kinds = () => sink.of("BTCUSDT").map(describe);
  return { sink, requests, sync, kinds };
}

/** A sync at `id`. */
function synced(id = 10) {
  const t = setup();
  t.sync.accept(ev(id - 1, id), 1);
  t.sync.onSnapshot(snap(id - 1), 1);
  assert.ok(t.sync.inSync);
  assert.equal(t.sync.sync.lastUpdateId, id);
  return t;
}

Deno.test("SymbolSync buffers and records events, asks once for a snapshot, then syncs", () => {
  const t = setup();
  t.sync.accept(ev(5, 6), 1);
  t.sync.accept(ev(7, 8), 1);
  assert.deepEqual(t.requests, ["start"]);
  t.sync.onSnapshot(snap(6), 2);
  assert.ok(t.sync.inSync);
  assert.equal(t.sync.sync.lastUpdateId, 8);
  t.sync.accept(ev(9, 9), 3);
  assert.deepEqual(t.kinds(), ["e5-6", "e7-8", "s6", "e9-9"]);
  assert.equal(t.sync.stats.applied, 1);
});

Deno.test("SymbolSync ignores stale events in sync without recording them", () => {
  const t = synced(10);
  t.sync.accept(ev(8, 9), 1);
  t.sync.accept(ev(10, 10), 1);
  assert.equal(t.sync.stats.stale, 2);
  assert.deepEqual(t.kinds(), ["e9-10", "s9"]);
});

Deno.test("SymbolSync records a sequence gap before the event and resyncs", () => {
  const t = synced(10);
  t.sync.accept(ev(13, 14), 5);
  assert.deepEqual(t.kinds(), ["e9-10", "s9", "gap:sequence@10", "e13-14"]);
  const gap = t.sink.of("BTCUSDT")[2]!;
  assert.equal(gap.type === "gap" && gap.detail, "expected U=11 got U=13");
  assert.equal(t.sync.inSync, false);
  assert.deepEqual(t.requests, ["start", "resync"]);
  t.sync.accept(ev(15, 16), 6);
  t.sync.onSnapshot(snap(14), 7);
  assert.ok(t.sync.inSync);
  assert.equal(t.sync.sync.lastUpdateId, 16);
});

Deno.test("SymbolSync fetches again when the snapshot is older than the buffer", () => {
  const t = setup();
  t.sync.accept(ev(50, 51), 1);
  t.sync.onSnapshot(snap(40), 2);
  assert.equal(t.sync.inSync, false);
  assert.deepEqual(t.requests, ["start", "start"]);
  t.sync.onSnapshot(snap(50), 3);
  assert.ok(t.sync.inSync);
});

Deno.test("SymbolSync applies a bridging first event after a snapshot, then only exact ones", () => {
  const t = setup();
  t.sync.accept(ev(20, 21), 1);
  t.sync.onSnapshot(snap(21), 1); // the buffered event is dropped: nothing applied yet
  t.sync.accept(ev(20, 23), 1); // bridges 21: applied
  assert.equal(t.sync.sync.lastUpdateId, 23);
  t.sync.accept(ev(23, 25), 1); // overlaps after the first: a gap
  assert.deepEqual(t.kinds(), ["e20-21", "s21", "e20-23", "gap:sequence@23", "e23-25"]);
  assert.equal(t.sync.inSync, false);
});

Deno.test("SymbolSync gives the sink the book before each event, and none after a gap", () => {
  const books: (number | null)[] = [];
  const sync: SymbolSync = new SymbolSync("BTCUSDT", {
    sink: { write: (_s, _r, book) => void books.push(book()?.lastUpdateId ?? null) },
    requestSnapshot: () => sync.onSnapshotDispatched(),
    log: silentLogger,
    recvNow: () => 1,
  }, { maxBuffered: 100 });
  sync.accept(ev(9, 10), 1); // buffered: no book
  sync.onSnapshot(snap(9), 1); // snapshot record: no book
  sync.accept(ev(11, 12), 1); // applied: the book before it, at 10
  sync.accept(ev(15, 16), 1); // gap record, then the event: no book
  assert.deepEqual(books, [null, null, 10, null, null]);
});

Deno.test("SymbolSync records every event but buffers only the last 200 until the request is sent", () => {
  const sink = new MemorySink();
  const sync = new SymbolSync("BTCUSDT", {
    sink,
    requestSnapshot: () => {}, // queued behind others: not sent yet
    log: silentLogger,
    recvNow: () => 1,
  }, { maxBuffered: 10_000 });
  for (let u = 1; u <= 5000; u++) sync.accept(ev(u, u), 1);
  assert.equal(sink.of("BTCUSDT").length, 5000, "all recorded");
  assert.equal(sync.sync.bufferedCount, 0, "none held by DepthSync while waiting");
  sync.onSnapshotDispatched();
  assert.equal(sync.sync.bufferedCount, 200);
  assert.equal(sync.sync.firstBufferedU, 4801);
  sync.accept(ev(5001, 5001), 1); // arrives while the request is in flight
  sync.onSnapshot(snap(4900), 1);
  assert.ok(sync.inSync);
  assert.equal(sync.sync.lastUpdateId, 5001);
});

Deno.test("SymbolSync.lose() withdraws a pending request, records a gap only when anything was known", () => {
  const sink = new MemorySink();
  const requests: string[] = [];
  const cancelled: string[] = [];
  let now = 1000;
  const sync = new SymbolSync("BTCUSDT", {
    sink,
    requestSnapshot: (s) => requests.push(s), // not sent yet
    cancelSnapshot: (s) => cancelled.push(s),
    log: silentLogger,
    recvNow: () => 7,
    now: () => now,
  }, { maxBuffered: 100 });
  sync.lose("disconnect", "nothing seen yet");
  assert.equal(sink.of("BTCUSDT").length, 0, "no gap before any event");
  assert.deepEqual(cancelled, []);
  sync.accept(ev(5, 6), 1);
  assert.equal(sync.waitingForSnapshot, true);
  assert.equal(sync.lastSeenU, 6);
  now = 2000;
  sync.onDisconnected("connection 1 closed");
  assert.deepEqual(cancelled, ["BTCUSDT"]);
  assert.equal(sync.waitingForSnapshot, false);
  assert.equal(sync.lastSeenU, null);
  assert.deepEqual(sync.status(), { state: "stale", since: 2000, detail: "disconnect" });
  const gap = sink.of("BTCUSDT")[1]!;
  assert.deepEqual(gap, {
    type: "gap",
    recv: 7,
    lastUpdateId: null,
    reason: "disconnect",
    detail: "connection 1 closed",
  });
  assert.equal(sync.stats.gapReasons.disconnect, 1);
  now = 3000;
  sync.onAttached();
  assert.deepEqual(sync.status(), { state: "resyncing", since: 3000, detail: "disconnect" });
  sync.accept(ev(9, 10), 1); // a new run: asks again
  assert.deepEqual(requests, ["BTCUSDT", "BTCUSDT"]);
});
