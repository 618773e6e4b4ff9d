import assert from "node:assert/strict";
import { nextLimit, SnapshotDepths } from "./snapshot_depth.ts";

Deno.test("nextLimit() takes the cheapest tier covering the depth with a margin", () => {
  assert.equal(nextLimit(5000, 0), 100);
  assert.equal(nextLimit(5000, 80), 100);
  assert.equal(nextLimit(5000, 81), 500, "81 × 1.25 > 100");
  assert.equal(nextLimit(5000, 400), 500);
  assert.equal(nextLimit(5000, 401), 1000);
  assert.equal(nextLimit(5000, 800), 1000);
  assert.equal(nextLimit(5000, 801), 5000);
  assert.equal(nextLimit(1000, 120), 500, "a shallower book steps down");
});

Deno.test("nextLimit() steps one tier up after a snapshot that filled its limit", () => {
  assert.equal(nextLimit(100, 100), 500);
  assert.equal(nextLimit(500, 500), 1000);
  assert.equal(nextLimit(1000, 1000), 5000);
  assert.equal(nextLimit(5000, 5000), 5000, "no tier above the deepest");
  assert.equal(nextLimit(20, 20), 100, "a limit between tiers");
});

Deno.test("SnapshotDepths: auto starts deep and learns; a fixed limit stays", () => {
  const auto = new SnapshotDepths("auto");
  assert.equal(auto.limitFor("BTCUSDT"), 5000);
  assert.equal(auto.weightFor("BTCUSDT"), 250);
  auto.observe("BTCUSDT", 5000, 60);
  assert.equal(auto.limitFor("BTCUSDT"), 100);
  assert.equal(auto.weightFor("BTCUSDT"), 5);
  auto.observe("BTCUSDT", 100, 100);
  assert.equal(auto.limitFor("BTCUSDT"), 500);
  assert.equal(auto.limitFor("ETHUSDT"), 5000, "per symbol");
  const fixed = new SnapshotDepths(1000);
  fixed.observe("BTCUSDT", 1000, 10);
  assert.equal(fixed.limitFor("BTCUSDT"), 1000);
  assert.equal(fixed.auto, false);
});

Deno.test("SnapshotDepths: usdm starts at 1000 and learns its tiers 100/500/1000 (weight 5/10/20)", () => {
  const auto = new SnapshotDepths("auto", "usdm");
  assert.equal(auto.limitFor("BTCUSDT"), 1000);
  assert.equal(auto.weightFor("BTCUSDT"), 20);
  auto.observe("BTCUSDT", 1000, 300);
  assert.equal(auto.limitFor("BTCUSDT"), 500);
  assert.equal(auto.weightFor("BTCUSDT"), 10);
  auto.observe("BTCUSDT", 500, 60);
  assert.equal(auto.weightFor("BTCUSDT"), 5);
  assert.equal(nextLimit(1000, 1000, "usdm"), 1000, "no tier above 1000");
  assert.equal(nextLimit(1000, 900, "usdm"), 1000);
  assert.equal(new SnapshotDepths(50, "usdm").weightFor("X"), 2);
});
