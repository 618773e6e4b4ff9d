import assert from "node:assert/strict";
import { applyEvent, DepthHistory, mapsFromSnapshot, snapshotOf } from "./depth_history.ts";
import { SyntheticBook } from "./synthetic_book.ts";

function generator() {
  return new SyntheticBook({
    symbol: "ETHUSDT",
    midTicks: 261_234,
    tickUnits: 1_000_000,
    levelsPerSide: 200,
    firstUpdateId: 30_000_000_000,
    seed: 3,
  });
}

Deno.test("DepthHistory.bookAt() equals the book rebuilt from scratch, in any order", () => {
  const gen = generator();
  const history = new DepthHistory("ETHUSDT", gen.snapshot(), { checkpointEvery: 64 });
  const expected = new Map<number, string>();
  const maps = mapsFromSnapshot(gen.snapshot());
  for (let i = 0; i < 500; i++) {
    const event = gen.next(i);
    history.append(event);
    applyEvent(maps, event);
    expected.set(event.u, JSON.stringify(snapshotOf(maps, event.u)));
    assert.deepEqual(gen.snapshot(), history.snapshot());
  }
  const ids = [...expected.keys()];
  for (const u of [...ids, ...ids.slice().reverse(), ids[3]!, ids[400]!, ids[10]!]) {
    assert.equal(JSON.stringify(history.bookAt(u)), expected.get(u));
  }
  assert.throws(() => history.bookAt(ids[5]! + 1), RangeError);
  assert.deepEqual(history.snapshot(3).bids.length, 3);
});

Deno.test("DepthHistory keeps at most maxEvents and still answers for kept ids", () => {
  const gen = generator();
  const base = gen.snapshot();
  const history = new DepthHistory("ETHUSDT", base, { maxEvents: 100, checkpointEvery: 16 });
  const books = new Map<number, string>();
  for (let i = 0; i < 450; i++) {
    const event = gen.next(i);
    history.append(event);
    books.set(event.u, JSON.stringify(gen.snapshot()));
  }
  assert.ok(history.events.length <= 100);
  assert.ok(history.baseId > base.lastUpdateId);
  assert.throws(() => history.bookAt(base.lastUpdateId), RangeError);
  for (const event of history.events) {
    assert.equal(JSON.stringify(history.bookAt(event.u)), books.get(event.u));
  }
});

Deno.test("DepthHistory.append() records but does not apply events before the base", () => {
  const history = new DepthHistory("BTCUSDT", {
    lastUpdateId: 100,
    bids: [["1.00000000", "1.00000000"]],
    asks: [["2.00000000", "1.00000000"]],
  });
  const event = (U: number, u: number, qty: string) => ({
    e: "depthUpdate" as const,
    E: 0,
    s: "BTCUSDT",
    U,
    u,
    b: [["1.00000000", qty] as [string, string]],
    a: [],
  });
  history.append(event(90, 95, "0.00000000"));
  history.append(event(96, 104, "5.00000000"));
  assert.equal(history.events.length, 2);
  assert.deepEqual(history.bookAt(104).bids, [["1.00000000", "5.00000000"]]);
  assert.throws(() => history.bookAt(95), RangeError);
});
