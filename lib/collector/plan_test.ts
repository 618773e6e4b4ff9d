import assert from "node:assert/strict";
import { planConnections } from "./plan.ts";

const names = (n: number) => Array.from({ length: n }, (_, i) => `S${i}USDT`);

Deno.test("planConnections() puts few symbols on one connection", () => {
  assert.deepEqual(planConnections(["BTCUSDT", "ETHUSDT"], 1024), [["BTCUSDT", "ETHUSDT"]]);
  assert.deepEqual(planConnections([], 1024), []);
});

Deno.test("planConnections() spreads 1500 symbols evenly over two connections of at most 1024", () => {
  const groups = planConnections(names(1500), 1024);
  assert.deepEqual(groups.map((g) => g.length), [750, 750]);
  assert.deepEqual(groups.flat(), names(1500));
});

Deno.test("planConnections() never exceeds the limit, for any count", () => {
  for (const [n, max] of [[1025, 1024], [2049, 1024], [10, 3], [7, 1]] as const) {
    const groups = planConnections(names(n), max);
    assert.equal(groups.length, Math.ceil(n / max));
    assert.ok(groups.every((g) => g.length <= max && g.length > 0));
    assert.deepEqual(groups.flat(), names(n));
  }
});

Deno.test("planConnections() rejects more than 1024 streams a connection", () => {
  assert.throws(() => planConnections(names(3), 1025), /streams per connection 1025/);
  assert.throws(() => planConnections(names(3), 0), /streams per connection 0/);
});

Deno.test("planConnections() counts every kind of stream of a symbol against the limit", () => {
  const groups = planConnections(names(1500), 1024, 2);
  assert.deepEqual(groups.map((g) => g.length), [500, 500, 500]);
  assert.ok(planConnections(names(1000), 1024, 4).every((g) => g.length * 4 <= 1024));
  assert.throws(() => planConnections(names(3), 3, 4), RangeError);
});
