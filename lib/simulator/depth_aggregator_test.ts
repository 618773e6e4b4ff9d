import assert from "node:assert/strict";
import type { DepthUpdate } from "../binance/types.ts";
import { DepthAggregator } from "./depth_aggregator.ts";

function event(U: number, u: number, b: [string, string][], a: [string, string][]): DepthUpdate {
  return { e: "depthUpdate", E: U, s: "BTCUSDT", U, u, b, a };
}

Deno.test("DepthAggregator.take() combines levels with U of the first and u of the last", () => {
  const agg = new DepthAggregator("BTCUSDT");
  agg.add(event(10, 12, [["1.0", "2.0"]], [["3.0", "1.0"]]));
  agg.add(event(13, 15, [["1.0", "0.0"], ["0.5", "1.0"]], []));
  const [out, ...rest] = agg.take(99);
  assert.deepEqual(rest, []);
  assert.deepEqual(out, {
    e: "depthUpdate",
    E: 99,
    s: "BTCUSDT",
    U: 10,
    u: 15,
    b: [["1.0", "0.0"], ["0.5", "1.0"]],
    a: [["3.0", "1.0"]],
  });
  assert.ok(agg.empty);
});

Deno.test("DepthAggregator.split() keeps the gap of a withheld event visible", () => {
  const agg = new DepthAggregator("BTCUSDT");
  agg.add(event(10, 12, [], []));
  agg.split();
  agg.add(event(16, 20, [], []));
  agg.add(event(21, 22, [], []));
  assert.deepEqual(agg.take(1).map((e) => [e.U, e.u]), [[10, 12], [16, 22]]);
});
