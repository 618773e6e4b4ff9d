import assert from "node:assert/strict";
import type { DepthSnapshot, DepthUpdate, PriceLevel } from "../binance/types.ts";
import { bridges, continues, DepthSync, type SyncBook } from "./depth_sync.ts";
import { NumericBook, type NumericUpdate, numericUpdate } from "./numeric_book.ts";
import { OrderBook } from "./order_book.ts";

/** A diff event covering update ids `U..u`, setting bid `price` to `u` (so each one is visible). */
function ev(U: number, u: number, b: PriceLevel[] = [[`${u}.00`, "1"]]): DepthUpdate {
  return { e: "depthUpdate", E: 1_700_000_000_000 + u, s: "BTCUSDT", U, u, b, a: [] };
}

function snap(lastUpdateId: number): DepthSnapshot {
  return { lastUpdateId, bids: [["1.00", "5"]], asks: [["1000.00", "5"]] };
}

Deno.test("bridges() is U <= lastUpdateId + 1 <= u", () => {
  assert.equal(bridges({ U: 5, u: 10 }, 4), true);
  assert.equal(bridges({ U: 5, u: 10 }, 9), true);
  assert.equal(bridges({ U: 5, u: 10 }, 7), true);
  assert.equal(bridges({ U: 5, u: 10 }, 3), false);
  assert.equal(bridges({ U: 5, u: 10 }, 10), false);
});

Deno.test("DepthSync starts out of sync and buffers events", () => {
  const sync = new DepthSync();
  assert.equal(sync.inSync, false);
  assert.equal(sync.lastUpdateId, null);
  assert.equal(sync.firstBufferedU, null);
  assert.deepEqual(sync.onEvent(ev(10, 12)), { kind: "buffered" });
  assert.deepEqual(sync.onEvent(ev(13, 15)), { kind: "buffered" });
  assert.equal(sync.bufferedCount, 2);
  assert.equal(sync.firstBufferedU, 10);
  assert.equal(sync.book.bidCount, 0);
});

Deno.test("DepthSync.onEvent() restarts the buffer at an event that does not continue it", () => {
  const sync = new DepthSync();
  sync.onEvent(ev(10, 12));
  sync.onEvent(ev(13, 15));
  assert.deepEqual(sync.onEvent(ev(17, 20)), { kind: "buffered" });
  assert.equal(sync.bufferedCount, 1);
  assert.equal(sync.firstBufferedU, 17);
  // Ids going backwards (a restarted exchange or simulator) also restart the run.
  assert.deepEqual(sync.onEvent(ev(3, 4)), { kind: "buffered" });
  assert.equal(sync.firstBufferedU, 3);
});

Deno.test("DepthSync.onEvent() ignores an event already in the buffer", () => {
  const sync = new DepthSync();
  sync.onEvent(ev(10, 12));
  sync.onEvent(ev(13, 15));
  assert.deepEqual(sync.onEvent(ev(13, 15)), { kind: "stale" });
  assert.deepEqual(sync.onEvent(ev(10, 12)), { kind: "stale" });
  assert.equal(sync.bufferedCount, 2);
  assert.deepEqual(sync.onEvent(ev(16, 16)), { kind: "buffered" });
  assert.equal(sync.bufferedCount, 3);
});

Deno.test("DepthSync drops the oldest buffered events beyond maxBuffered", () => {
  const sync = new DepthSync({ maxBuffered: 3 });
  for (let u = 1; u <= 5; u++) sync.onEvent(ev(u, u));
  assert.equal(sync.bufferedCount, 3);
  assert.equal(sync.firstBufferedU, 3);
  assert.throws(() => new DepthSync({ maxBuffered: 0 }), /Invalid maxBuffered 0/);
});

Deno.test("DepthSync.onSnapshot() syncs when the snapshot falls inside a buffered event", () => {
  const sync = new DepthSync();
  sync.onEvent(ev(10, 12));
  sync.onEvent(ev(13, 15));
  sync.onEvent(ev(16, 20));
  sync.onEvent(ev(21, 22));
  assert.deepEqual(sync.onSnapshot(snap(17)), { kind: "synced", applied: 2, dropped: 2 });
  assert.equal(sync.inSync, true);
  assert.equal(sync.lastUpdateId, 22);
  assert.equal(sync.bufferedCount, 0);
  assert.deepEqual(sync.book.snapshot().bids.map(([p]) => p), ["22.00", "20.00", "1.00"]);
  assert.deepEqual(sync.onEvent(ev(23, 25)), { kind: "applied" });
  assert.equal(sync.lastUpdateId, 25);
});

Deno.test("DepthSync.onSnapshot() accepts a snapshot at a buffered event's last id", () => {
  const sync = new DepthSync();
  sync.onEvent(ev(10, 12));
  sync.onEvent(ev(13, 15));
  assert.deepEqual(sync.onSnapshot(snap(12)), { kind: "synced", applied: 1, dropped: 1 });
  assert.equal(sync.lastUpdateId, 15);
});

Deno.test("DepthSync.onSnapshot() is too-old below the first buffered U and keeps the buffer", () => {
  const sync = new DepthSync();
  sync.onEvent(ev(10, 12));
  sync.onEvent(ev(13, 15));
  // Binance: lastUpdateId strictly less than the first U means fetch again (even U - 1).
  assert.deepEqual(sync.onSnapshot(snap(9)), { kind: "too-old", firstBufferedU: 10 });
  assert.deepEqual(sync.onSnapshot(snap(3)), { kind: "too-old", firstBufferedU: 10 });
  assert.equal(sync.inSync, false);
  assert.equal(sync.bufferedCount, 2);
  assert.deepEqual(sync.onSnapshot(snap(10)), { kind: "synced", applied: 2, dropped: 0 });
});

Deno.test("DepthSync.onSnapshot() newer than every buffered event syncs; next event must bridge", () => {
  const sync = new DepthSync();
  sync.onEvent(ev(10, 12));
  sync.onEvent(ev(13, 15));
  assert.deepEqual(sync.onSnapshot(snap(30)), { kind: "synced", applied: 0, dropped: 2 });
  assert.equal(sync.lastUpdateId, 30);
  assert.deepEqual(sync.onEvent(ev(16, 29)), { kind: "stale" });
  assert.deepEqual(sync.onEvent(ev(16, 30)), { kind: "stale" });
  assert.deepEqual(sync.onEvent(ev(25, 33)), { kind: "applied" });
  assert.equal(sync.lastUpdateId, 33);
});

Deno.test("DepthSync: the first event after a snapshot with an empty buffer must bridge", () => {
  const sync = new DepthSync();
  assert.deepEqual(sync.onSnapshot(snap(100)), { kind: "synced", applied: 0, dropped: 0 });
  assert.equal(sync.inSync, true);
  assert.deepEqual(sync.onEvent(ev(103, 105)), {
    kind: "gap",
    lastUpdateId: 100,
    field: "U",
    expected: 101,
    got: 103,
  });
  assert.equal(sync.inSync, false);
  assert.equal(sync.book.bidCount + sync.book.askCount, 0);
  assert.equal(sync.bufferedCount, 1);
  assert.equal(sync.firstBufferedU, 103);
});

Deno.test("DepthSync in sync: exact continuation applies, u <= id is stale, overlap is a gap", () => {
  const sync = new DepthSync();
  sync.onSnapshot(snap(100));
  assert.deepEqual(sync.onEvent(ev(95, 102)), { kind: "applied" });
  assert.deepEqual(sync.onEvent(ev(103, 103)), { kind: "applied" });
  assert.deepEqual(sync.onEvent(ev(101, 103)), { kind: "stale" });
  assert.deepEqual(sync.onEvent(ev(90, 91)), { kind: "stale" });
  assert.equal(sync.lastUpdateId, 103);
  // After the first event, U must be exactly id + 1: an overlap is a gap too.
  assert.deepEqual(sync.onEvent(ev(103, 106)), {
    kind: "gap",
    lastUpdateId: 103,
    field: "U",
    expected: 104,
    got: 103,
  });
  assert.equal(sync.inSync, false);
  assert.equal(sync.firstBufferedU, 103);
});

Deno.test("DepthSync recovers after a gap with the next snapshot", () => {
  const sync = new DepthSync();
  sync.onSnapshot(snap(100));
  sync.onEvent(ev(101, 102));
  const gap = sync.onEvent(ev(110, 112));
  assert.equal(gap.kind, "gap");
  sync.onEvent(ev(113, 115));
  assert.deepEqual(sync.onSnapshot(snap(111)), { kind: "synced", applied: 2, dropped: 0 });
  assert.equal(sync.lastUpdateId, 115);
  // The stale book content from before the gap is gone: only the snapshot and 112, 115.
  assert.deepEqual(sync.book.snapshot().bids.map(([p]) => p), ["115.00", "112.00", "1.00"]);
});

Deno.test("DepthSync.onSnapshot() while in sync resets the book to it", () => {
  const sync = new DepthSync();
  sync.onSnapshot(snap(100));
  sync.onEvent(ev(101, 105));
  assert.deepEqual(sync.onSnapshot(snap(103)), { kind: "synced", applied: 0, dropped: 0 });
  assert.equal(sync.lastUpdateId, 103);
  assert.deepEqual(sync.book.snapshot(), snap(103));
  assert.deepEqual(sync.onEvent(ev(101, 105)), { kind: "applied" });
});

Deno.test("DepthSync.onEqualSnapshot() lets the next event bridge the book, as a snapshot would", () => {
  const sync = new DepthSync();
  sync.onEvent(ev(10, 12));
  sync.onSnapshot(snap(11));
  assert.deepEqual(sync.onEvent(ev(13, 15)), { kind: "applied" });
  // Continuing exactly, an overlapping event is a gap; after an equal snapshot it bridges.
  assert.equal(sync.classify(ev(14, 17)), "gap");
  sync.onEqualSnapshot();
  assert.deepEqual(sync.onEvent(ev(14, 17)), { kind: "applied" });
  assert.equal(sync.lastUpdateId, 17);
  assert.equal(sync.classify(ev(16, 19)), "gap", "then exactly again");
  sync.desync();
  sync.onEqualSnapshot();
  assert.equal(sync.inSync, false, "out of sync it does nothing");
});

Deno.test("DepthSync.desync() clears book and buffer", () => {
  const sync = new DepthSync();
  sync.onSnapshot(snap(100));
  sync.onEvent(ev(101, 102));
  sync.desync();
  assert.equal(sync.inSync, false);
  assert.equal(sync.lastUpdateId, null);
  assert.equal(sync.book.bidCount, 0);
  sync.onEvent(ev(103, 104));
  sync.desync();
  assert.equal(sync.bufferedCount, 0);
  assert.deepEqual(sync.onEvent(ev(200, 201)), { kind: "buffered" });
});

Deno.test("DepthSync goes out of sync and rethrows when an event holds a non-numeric price", () => {
  const sync = new DepthSync();
  sync.onSnapshot(snap(100));
  assert.throws(() => sync.onEvent(ev(101, 101, [["x", "1"]])), /Invalid price "x"/);
  assert.equal(sync.inSync, false);
  assert.equal(sync.bufferedCount, 0);
});

Deno.test("DepthSync.classify() predicts onEvent() without changing anything", () => {
  const sync = new DepthSync();
  const steps: [DepthUpdate, string][] = [
    [ev(10, 12), "buffered"],
    [ev(13, 15), "buffered"],
    [ev(10, 12), "stale"],
    [ev(20, 21), "buffered"],
  ];
  for (const [event, kind] of steps) {
    assert.equal(sync.classify(event), kind);
    assert.equal(sync.classify(event), kind);
    assert.equal(sync.onEvent(event).kind, kind);
  }
  sync.onSnapshot(snap(20));
  const before = sync.book.snapshot();
  assert.equal(sync.classify(ev(20, 21)), "stale");
  assert.equal(sync.classify(ev(22, 22)), "applied");
  assert.equal(sync.classify(ev(23, 23)), "gap");
  assert.deepEqual(sync.book.snapshot(), before);
  assert.equal(sync.inSync, true);
  assert.equal(sync.onEvent(ev(22, 22)).kind, "applied");
  // After the first applied event an overlap is a gap, though it would bridge.
  assert.equal(sync.classify(ev(22, 24)), "gap");
});

Deno.test("DepthSync takes a NumericBook for numeric events, and requires it", () => {
  const sync = new DepthSync<NumericUpdate, NumericBook>({ book: new NumericBook() });
  assert.ok(sync.book instanceof NumericBook);
  sync.onEvent(numericUpdate(ev(10, 12)));
  assert.deepEqual(sync.onSnapshot(snap(11)), { kind: "synced", applied: 1, dropped: 0 });
  assert.deepEqual(sync.book.bestBid(), [12, 1]);
  assert.deepEqual(sync.onEvent(numericUpdate(ev(13, 13))), { kind: "applied" });
  assert.deepEqual(sync.book.bestBid(), [13, 1]);
  assert.ok(new DepthSync().book instanceof OrderBook);
  // Both books are SyncBooks of their events (checked by the compiler).
  const books: [SyncBook<DepthUpdate>, SyncBook<NumericUpdate>] = [
    new OrderBook(),
    new NumericBook(),
  ];
  assert.equal(books.length, 2);
  // @ts-expect-error: a DepthSync over anything but an OrderBook must be given its book.
  new DepthSync<NumericUpdate, NumericBook>();
  // @ts-expect-error: likewise with options but no book.
  new DepthSync<NumericUpdate, NumericBook>({ maxBuffered: 5 });
});

/** A futures diff event `U..u` following the event that ended at `pu`. */
function fev(U: number, u: number, pu: number): DepthUpdate {
  return { ...ev(U, u), T: 1_700_000_000_000 + u, pu };
}

Deno.test("bridges() and continues() for usdm: U <= lastUpdateId <= u, and pu == last u", () => {
  assert.equal(bridges({ U: 5, u: 10 }, 5, "usdm"), true);
  assert.equal(bridges({ U: 5, u: 10 }, 10, "usdm"), true, "u == lastUpdateId");
  assert.equal(bridges({ U: 5, u: 10 }, 4, "usdm"), false);
  assert.equal(bridges({ U: 5, u: 10 }, 11, "usdm"), false);
  assert.equal(continues({ U: 20, u: 25, pu: 10 }, 10, "usdm"), true);
  assert.equal(continues({ U: 11, u: 25, pu: 9 }, 10, "usdm"), false);
  assert.equal(continues({ U: 11, u: 25 }, 10, "usdm"), false, "no pu");
  assert.equal(continues({ U: 11, u: 25 }, 10), true);
  assert.equal(continues({ U: 12, u: 25 }, 10, "spot"), false);
});

Deno.test("DepthSync usdm: buffers a pu run, drops u < lastUpdateId, applies u == lastUpdateId", () => {
  const sync = new DepthSync({ market: "usdm" });
  assert.equal(sync.market, "usdm");
  sync.onEvent(fev(10, 20, 5));
  sync.onEvent(fev(24, 30, 20)); // ids 21-23 are other symbols': pu continues
  sync.onEvent(fev(35, 40, 30));
  assert.equal(sync.bufferedCount, 3, "a pu run, though U != previous u + 1");
  // u == lastUpdateId: kept and applied (spot would drop it).
  assert.deepEqual(sync.onSnapshot(snap(30)), { kind: "synced", applied: 2, dropped: 1 });
  assert.equal(sync.lastUpdateId, 40);
  assert.deepEqual(sync.onEvent(fev(41, 44, 40)), { kind: "applied" });
  assert.deepEqual(sync.onEvent(fev(50, 52, 44)), { kind: "applied" }, "U skips, pu continues");
  assert.deepEqual(sync.onEvent(fev(45, 52, 44)), { kind: "stale" });
  assert.deepEqual(sync.onEvent(fev(53, 55, 51)), {
    kind: "gap",
    lastUpdateId: 52,
    field: "pu",
    expected: 52,
    got: 51,
  });
  assert.equal(sync.inSync, false);
  assert.equal(sync.bufferedCount, 1);
});

Deno.test("DepthSync usdm: the first event after a snapshot bridges it or continues it", () => {
  const sync = new DepthSync({ market: "usdm" });
  sync.onSnapshot(snap(100));
  assert.equal(sync.classify(fev(90, 99, 80)), "stale");
  assert.equal(sync.isStale(99), true);
  assert.equal(sync.isStale(100), false, "u == id may still bridge");
  assert.equal(sync.classify(fev(90, 100, 80)), "applied", "U <= id <= u");
  assert.equal(sync.classify(fev(101, 104, 99)), "gap", "U > id and pu != id");
  assert.equal(sync.classify(fev(103, 104, 100)), "applied", "pu == id");
  assert.deepEqual(sync.onEvent(fev(90, 100, 80)), { kind: "applied" });
  // Then only pu == id continues; u <= id is stale.
  assert.equal(sync.isStale(100), true);
  assert.equal(sync.classify(fev(95, 105, 99)), "gap");
  assert.equal(sync.classify(fev(103, 105, 100)), "applied");
  // After an equal checkpoint, bridging is allowed again.
  sync.onEqualSnapshot();
  assert.equal(sync.classify(fev(95, 105, 99)), "applied");
});

Deno.test("DepthSync usdm: a snapshot below the run is too old, one past it does not bridge", () => {
  const sync = new DepthSync({ market: "usdm" });
  sync.onEvent(fev(10, 20, 5));
  sync.onEvent(fev(24, 30, 20));
  assert.deepEqual(sync.onSnapshot(snap(9)), { kind: "too-old", firstBufferedU: 10 });
  assert.deepEqual(sync.onSnapshot(snap(22)), { kind: "no-bridge", lastUpdateId: 22, firstU: 24 });
  assert.equal(sync.inSync, false);
  assert.throws(() => new DepthSync({ market: "coinm" as "usdm" }), /Invalid market "coinm"/);
});
