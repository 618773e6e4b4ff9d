import assert from "node:assert/strict";
import type { DepthSnapshot } from "../binance/types.ts";
import { NumericBook, numericDifference, numericUpdate } from "./numeric_book.ts";
import { OrderBook } from "./order_book.ts";

const SNAPSHOT: DepthSnapshot = {
  lastUpdateId: 100,
  bids: [["99.50000000", "1.00000000"], ["99.00000000", "2.00000000"], ["98.00", "3"]],
  asks: [["100.00000000", "0.50000000"], ["101.00000000", "4.00000000"]],
};

function book(snapshot: DepthSnapshot = SNAPSHOT): NumericBook {
  const b = new NumericBook();
  b.reset(snapshot);
  return b;
}

Deno.test("NumericBook is empty at update id 0 until reset", () => {
  const b = new NumericBook();
  assert.equal(b.lastUpdateId, 0);
  assert.equal(b.bestBid(), undefined);
  assert.equal(b.bestAsk(), undefined);
  assert.equal(b.bidCount + b.askCount, 0);
  assert.equal(b.isCrossed(), false);
  assert.deepEqual(b.snapshot(), { lastUpdateId: 0, bids: [], asks: [] });
});

Deno.test("NumericBook.reset() parses a snapshot, sorts it, skips zeros, last duplicate wins", () => {
  const b = book();
  assert.deepEqual(b.snapshot(), {
    lastUpdateId: 100,
    bids: [[99.5, 1], [99, 2], [98, 3]],
    asks: [[100, 0.5], [101, 4]],
  });
  b.reset({
    lastUpdateId: 7,
    bids: [["1.5", "1"], ["3", "2"], ["2", "0.000"], ["1.5", "9"]],
    asks: [["10", "1"], ["4", "0"], ["5", "1"]],
  });
  assert.deepEqual(b.snapshot(), {
    lastUpdateId: 7,
    bids: [[3, 2], [1.5, 9]],
    asks: [[5, 1], [10, 1]],
  });
  assert.equal(b.bidCount, 2);
  assert.equal(b.askCount, 2);
});

Deno.test("NumericBook.reset() throws OrderBook's messages and leaves the book unchanged", () => {
  const bad: DepthSnapshot[] = [
    { lastUpdateId: 1, bids: [["abc", "1"]], asks: [] },
    { lastUpdateId: 1, bids: [], asks: [["1", ""]] },
    { lastUpdateId: 1, bids: [["1", "1"]], asks: [["2", "."]] },
  ];
  for (const snapshot of bad) {
    const b = book();
    let expected: Error | undefined;
    try {
      new OrderBook().reset(snapshot);
    } catch (error) {
      expected = error as Error;
    }
    assert.ok(expected, JSON.stringify(snapshot));
    assert.throws(() => b.reset(snapshot), { name: expected.name, message: expected.message });
    assert.equal(numericDifference(b.snapshot(), SNAPSHOT), undefined);
  }
});

Deno.test("NumericBook.apply() sets, inserts and removes levels, ignores absent removals, takes u", () => {
  const b = book();
  b.apply(numericUpdate({
    U: 101,
    u: 105,
    b: [["99.50000000", "1.50000000"], ["99.00000000", "0.00000000"], ["99.70000000", "1"]],
    a: [["100.0", "0"], ["100.50000000", "2.00000000"], ["200", "0.00000000"]],
  }));
  assert.equal(b.lastUpdateId, 105);
  assert.deepEqual(b.snapshot(), {
    lastUpdateId: 105,
    bids: [[99.7, 1], [99.5, 1.5], [98, 3]],
    asks: [[100.5, 2], [101, 4]],
  });
  assert.deepEqual(b.bestBid(), [99.7, 1]);
  assert.deepEqual(b.bestAsk(), [100.5, 2]);
});

Deno.test("NumericBook.apply() reads the pairs from start, bids then asks", () => {
  const b = new NumericBook();
  const levels = new Float64Array([-1, -1, 10, 1, 9, 2, 11, 3, -1]);
  b.apply({ U: 1, u: 2, levels, start: 2, bids: 2, asks: 1 });
  assert.deepEqual(b.snapshot(), { lastUpdateId: 2, bids: [[10, 1], [9, 2]], asks: [[11, 3]] });
  b.apply({ U: 3, u: 3, levels: new Float64Array([11, 0]), start: 0, bids: 0, asks: 1 });
  assert.deepEqual(b.snapshot(), { lastUpdateId: 3, bids: [[10, 1], [9, 2]], asks: [] });
});

Deno.test("NumericBook.apply() rejects a price that is not finite", () => {
  const b = new NumericBook();
  for (const price of [NaN, Infinity, -Infinity]) {
    const levels = new Float64Array([price, 1]);
    assert.throws(() => b.apply({ U: 1, u: 1, levels, start: 0, bids: 1, asks: 0 }), RangeError);
    assert.throws(() => b.apply({ U: 1, u: 1, levels, start: 0, bids: 0, asks: 1 }), RangeError);
  }
  assert.equal(b.bidCount + b.askCount, 0);
});

Deno.test("NumericBook.isCrossed() is true when the best bid reaches the best ask", () => {
  const b = book();
  assert.equal(b.isCrossed(), false);
  b.apply(numericUpdate({ U: 101, u: 101, b: [["100", "1"]], a: [] }));
  assert.equal(b.isCrossed(), true);
  b.apply(numericUpdate({ U: 102, u: 102, b: [["100", "0"]], a: [["100", "0"]] }));
  assert.equal(b.isCrossed(), false);
  b.clear();
  assert.equal(b.isCrossed(), false);
  assert.deepEqual(b.snapshot(), { lastUpdateId: 0, bids: [], asks: [] });
});

Deno.test("NumericBook keeps thousands of levels in order through splits and merges", () => {
  const b = new NumericBook();
  const prices = Array.from({ length: 3000 }, (_, i) => ((i * 7919) % 3000 + 1) / 100);
  const levels = new Float64Array(prices.flatMap((p) => [p, 1]));
  b.apply({ U: 1, u: 1, levels, start: 0, bids: 3000, asks: 0 });
  b.apply({ U: 2, u: 2, levels, start: 0, bids: 0, asks: 3000 });
  const sorted = [...prices].sort((x, y) => x - y);
  assert.deepEqual(b.snapshot().asks.map(([p]) => p), sorted);
  assert.deepEqual(b.snapshot().bids.map(([p]) => p), sorted.reverse());
  // Remove every other level, then all of them.
  const zeros = new Float64Array(prices.flatMap((p, i) => i % 2 === 0 ? [p, 0] : []));
  b.apply({ U: 3, u: 3, levels: zeros, start: 0, bids: 1500, asks: 0 });
  b.apply({ U: 3, u: 3, levels: zeros, start: 0, bids: 0, asks: 750 });
  const odd = (p: number) => prices.indexOf(p) % 2 === 1;
  assert.ok(b.snapshot().bids.every(([p]) => odd(p)));
  assert.equal(b.bidCount, 1500);
  assert.equal(b.askCount, 3000 - 750);
  const all = new Float64Array(prices.flatMap((p) => [p, 0]));
  b.apply({ U: 4, u: 4, levels: all, start: 0, bids: 3000, asks: 0 });
  b.apply({ U: 5, u: 5, levels: all, start: 0, bids: 0, asks: 3000 });
  assert.equal(b.bidCount + b.askCount, 0);
  assert.equal(b.bestBid(), undefined);
});

Deno.test("numericUpdate() converts prices and quantities and rejects non-numbers", () => {
  const update = numericUpdate({
    U: 5,
    u: 9,
    b: [["61830.17000000", "0.00000000"], ["1e2", "0.5"]],
    a: [["61830.18", "1.00000000"]],
  });
  assert.deepEqual({ ...update, levels: [...update.levels] }, {
    U: 5,
    u: 9,
    levels: [61830.17, 0, 100, 0.5, 61830.18, 1],
    start: 0,
    bids: 2,
    asks: 1,
  });
  assert.throws(() => numericUpdate({ U: 1, u: 1, b: [["x", "1"]], a: [] }), /Invalid price "x"/);
  assert.throws(
    () => numericUpdate({ U: 1, u: 1, b: [], a: [["1", "abc"]] }),
    /Invalid quantity "abc"/,
  );
});

Deno.test("numericDifference() is undefined for the same book in other spellings", () => {
  const replayed = book().snapshot();
  assert.equal(numericDifference(replayed, SNAPSHOT), undefined);
  assert.equal(
    numericDifference(replayed, {
      lastUpdateId: 100,
      bids: [["99.5", "1"], ["99", "2.0"], ["98.000000", "3e0"]],
      asks: [["100", "0.5"], ["101.0", "4"]],
    }),
    undefined,
  );
});

Deno.test("numericDifference() names the update ids, the level or the counts that differ", () => {
  const replayed = book().snapshot();
  assert.equal(
    numericDifference(replayed, { ...SNAPSHOT, lastUpdateId: 101 }),
    "lastUpdateId 100 vs 101",
  );
  const asks = structuredClone(SNAPSHOT.asks);
  asks[1] = ["101.00000000", "123.45600000"];
  assert.equal(
    numericDifference(replayed, { ...SNAPSHOT, asks }),
    "ask 1: 101.00000000/123.45600000 in the snapshot, 101/4 replayed",
  );
  assert.match(numericDifference(replayed, { ...SNAPSHOT, asks })!, /ask 1: 101.00000000\//);
  const bids = structuredClone(SNAPSHOT.bids);
  bids[0] = ["99.60000000", "1.00000000"];
  assert.equal(
    numericDifference(replayed, { ...SNAPSHOT, bids }),
    "bid 0: 99.60000000/1.00000000 in the snapshot, 99.5/1 replayed",
  );
  assert.equal(
    numericDifference(replayed, { ...SNAPSHOT, bids: [...SNAPSHOT.bids, ["97", "1"]] }),
    "bid count 3 vs 4 (first extra 97/1 in the snapshot)",
  );
  assert.equal(
    numericDifference(replayed, { ...SNAPSHOT, asks: SNAPSHOT.asks.slice(0, 1) }),
    "ask count 2 vs 1 (first extra 101/4 replayed)",
  );
});

Deno.test("numericDifference() reports a snapshot string that is not a number", () => {
  const replayed = book().snapshot();
  for (
    const [level, why] of [
      [["abc", "1.00000000"], /bid 0: abc\/1.00000000 in the snapshot, .*Invalid price "abc"/],
      [["99.50000000", ""], /bid 0: 99.50000000\/ in the snapshot, .*Invalid quantity ""/],
      [
        ["99.50000000", "1abc"],
        /bid 0: 99.50000000\/1abc in the snapshot, .*Invalid quantity "1abc"/,
      ],
    ] as const
  ) {
    const bids = structuredClone(SNAPSHOT.bids);
    bids[0] = [level[0], level[1]];
    assert.match(numericDifference(replayed, { ...SNAPSHOT, bids }) ?? "", why);
  }
  // A zero quantity in a snapshot is a level the replayed book cannot have.
  const bids = structuredClone(SNAPSHOT.bids);
  bids[2] = ["98.00", "0"];
  assert.match(numericDifference(replayed, { ...SNAPSHOT, bids }) ?? "", /bid 2: 98.00\/0 in/);
});
