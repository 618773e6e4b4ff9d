import assert from "node:assert/strict";
import { BookSide } from "./book_side.ts";

Deno.test("BookSide keeps bids highest first and asks lowest first across many chunks", () => {
  const bids = new BookSide("bids");
  const asks = new BookSide("asks");
  const prices = Array.from({ length: 1000 }, (_, i) => String((i * 7919) % 1000 + 1));
  for (const p of prices) {
    bids.set(p, "1");
    asks.set(p, "1");
  }
  assert.equal(bids.size, 1000);
  assert.deepEqual(bids.best(), ["1000", "1"]);
  assert.deepEqual(asks.best(), ["1", "1"]);
  assert.equal(bids.bestPrice(), 1000);
  assert.equal(asks.bestPrice(), 1);
  const all = bids.all().map(([p]) => Number(p));
  assert.deepEqual(all, [...all].sort((x, y) => y - x));
  assert.deepEqual(asks.top(3), [["1", "1"], ["2", "1"], ["3", "1"]]);
  for (const p of prices) bids.set(p, "0");
  assert.equal(bids.size, 0);
  assert.equal(bids.best(), undefined);
  assert.equal(bids.bestPrice(), undefined);
});
