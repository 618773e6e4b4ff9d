import assert from "node:assert/strict";
import type { DepthSnapshot, PriceLevel } from "../binance/types.ts";
import { firstDifference, OrderBook } from "./order_book.ts";

const SNAPSHOT: DepthSnapshot = {
  lastUpdateId: 100,
  bids: [["99.50000000", "1.00000000"], ["99.00000000", "2.00000000"], ["98.00", "3"]],
  asks: [["100.00000000", "0.50000000"], ["101.00000000", "4.00000000"]],
};

Deno.test("OrderBook() is empty at update id 0 without a snapshot", () => {
  const book = new OrderBook();
  assert.equal(book.lastUpdateId, 0);
  assert.equal(book.bestBid(), undefined);
  assert.equal(book.bestAsk(), undefined);
  assert.equal(book.bidCount, 0);
  assert.equal(book.askCount, 0);
  assert.equal(book.isCrossed(), false);
  assert.deepEqual(book.snapshot(), { lastUpdateId: 0, bids: [], asks: [] });
  assert.deepEqual(book.top(5), { bids: [], asks: [] });
});

Deno.test("OrderBook() keeps a snapshot's strings and order", () => {
  const book = new OrderBook(SNAPSHOT);
  assert.equal(book.lastUpdateId, 100);
  assert.deepEqual(book.snapshot(), SNAPSHOT);
  assert.deepEqual(book.bestBid(), ["99.50000000", "1.00000000"]);
  assert.deepEqual(book.bestAsk(), ["100.00000000", "0.50000000"]);
  assert.equal(book.bidCount, 3);
  assert.equal(book.askCount, 2);
});

Deno.test("OrderBook.reset() sorts unsorted levels, skips zero quantities, last duplicate wins", () => {
  const book = new OrderBook(SNAPSHOT);
  book.reset({
    lastUpdateId: 7,
    bids: [["1.5", "1"], ["3", "2"], ["2", "0.000"], ["1.5", "9"]],
    asks: [["10", "1"], ["4", "0"], ["5", "1"]],
  });
  assert.deepEqual(book.snapshot(), {
    lastUpdateId: 7,
    bids: [["3", "2"], ["1.5", "9"]],
    asks: [["5", "1"], ["10", "1"]],
  });
});

Deno.test("OrderBook.apply() sets, inserts and removes levels and takes u", () => {
  const book = new OrderBook(SNAPSHOT);
  book.apply({
    u: 105,
    b: [["99.50000000", "1.50000000"], ["99.00000000", "0.00000000"], ["99.70000000", "1"]],
    a: [["100.00000000", "0"], ["100.50000000", "2.00000000"], ["200", "0.00000000"]],
  });
  assert.equal(book.lastUpdateId, 105);
  assert.deepEqual(book.snapshot(), {
    lastUpdateId: 105,
    bids: [["99.70000000", "1"], ["99.50000000", "1.50000000"], ["98.00", "3"]],
    asks: [["100.50000000", "2.00000000"], ["101.00000000", "4.00000000"]],
  });
});

Deno.test("OrderBook.apply() never mutates or keeps the caller's arrays", () => {
  const level: PriceLevel = ["99.80000000", "1.00000000"];
  const event = { u: 101, b: [level], a: [] };
  const book = new OrderBook(SNAPSHOT);
  book.apply(event);
  book.apply({ u: 102, b: [["99.80000000", "7.00000000"]], a: [] });
  assert.deepEqual(level, ["99.80000000", "1.00000000"]);
  const copy = book.bestBid()!;
  copy[1] = "mutated";
  assert.deepEqual(book.bestBid(), ["99.80000000", "7.00000000"]);
  const snapshot = book.snapshot();
  snapshot.bids[0]![1] = "mutated";
  assert.deepEqual(book.bestBid(), ["99.80000000", "7.00000000"]);
});

Deno.test("OrderBook.apply() matches prices by value, keeping the level's first price string", () => {
  const book = new OrderBook(SNAPSHOT);
  book.apply({ u: 101, b: [], a: [["100.0", "3"]] });
  assert.deepEqual(book.bestAsk(), ["100.00000000", "3"]);
  assert.equal(book.askCount, 2);
  book.apply({ u: 102, b: [], a: [["1e2", "0"]] });
  assert.deepEqual(book.bestAsk(), ["101.00000000", "4.00000000"]);
});

Deno.test("OrderBook.apply() rejects prices and quantities that are not numbers", () => {
  const book = new OrderBook(SNAPSHOT);
  assert.throws(() => book.apply({ u: 101, b: [["abc", "1"]], a: [] }), /Invalid price "abc"/);
  assert.throws(() => book.apply({ u: 101, b: [["", "1"]], a: [] }), /Invalid price ""/);
  assert.throws(() => book.apply({ u: 101, b: [["NaN", "1"]], a: [] }), /Invalid price/);
  assert.throws(() => book.apply({ u: 101, b: [["Infinity", "1"]], a: [] }), /Invalid price/);
  assert.throws(() => book.apply({ u: 101, b: [["1", "x"]], a: [] }), /Invalid quantity "x"/);
  assert.throws(() => book.apply({ u: 101, b: [["1", ""]], a: [] }), /Invalid quantity ""/);
});

Deno.test("OrderBook.top() returns the best levels of each side, best first", () => {
  const book = new OrderBook(SNAPSHOT);
  assert.deepEqual(book.top(2), {
    bids: [["99.50000000", "1.00000000"], ["99.00000000", "2.00000000"]],
    asks: [["100.00000000", "0.50000000"], ["101.00000000", "4.00000000"]],
  });
  assert.deepEqual(book.top(0), { bids: [], asks: [] });
  assert.equal(book.top(50).bids.length, 3);
});

Deno.test("OrderBook.isCrossed() is true when the best bid reaches the best ask", () => {
  const book = new OrderBook(SNAPSHOT);
  assert.equal(book.isCrossed(), false);
  book.apply({ u: 101, b: [["100.00000000", "1"]], a: [] });
  assert.equal(book.isCrossed(), true);
  book.apply({ u: 102, b: [["100.00000000", "0"]], a: [] });
  assert.equal(book.isCrossed(), false);
});

Deno.test("OrderBook.clear() empties the book", () => {
  const book = new OrderBook(SNAPSHOT);
  book.clear();
  assert.deepEqual(book.snapshot(), { lastUpdateId: 0, bids: [], asks: [] });
});

Deno.test("firstDifference() is undefined for identical books", () => {
  assert.equal(firstDifference(SNAPSHOT, structuredClone(SNAPSHOT)), undefined);
});

Deno.test("firstDifference() names the first differing field", () => {
  const other = structuredClone(SNAPSHOT);
  other.lastUpdateId = 101;
  assert.equal(firstDifference(SNAPSHOT, other), "lastUpdateId 100 vs 101");
  const qty = structuredClone(SNAPSHOT);
  qty.bids[2]![1] = "3.0";
  assert.equal(firstDifference(SNAPSHOT, qty), "bid 2: 98.00/3 vs 98.00/3.0");
  const ask = structuredClone(SNAPSHOT);
  ask.asks[0]![0] = "100.0";
  assert.equal(
    firstDifference(SNAPSHOT, ask),
    "ask 0: 100.00000000/0.50000000 vs 100.0/0.50000000",
  );
  const shorter = structuredClone(SNAPSHOT);
  shorter.asks.pop();
  assert.equal(
    firstDifference(SNAPSHOT, shorter),
    "ask count 2 vs 1 (first extra 101.00000000/4.00000000)",
  );
});
