import assert from "node:assert/strict";
import { WeightBudget } from "./weight_budget.ts";

Deno.test("WeightBudget.waitFor() lets requests through until the budget, then waits for the minute", () => {
  const b = new WeightBudget({ budget: 3000 });
  const t0 = 28_333_334 * 60_000 + 40_000; // 40 s into a minute
  for (let i = 0; i < 12; i++) {
    assert.equal(b.waitFor(250, t0), 0);
    b.spend(250, t0);
  }
  assert.equal(b.used(t0), 3000);
  assert.equal(b.waitFor(250, t0), 20_000);
  assert.equal(b.waitFor(250, t0 + 20_000), 0, "a new minute starts from zero");
});

Deno.test("WeightBudget.report() believes the server when it counted more", () => {
  const b = new WeightBudget({ budget: 100 });
  const t0 = 28_333_334 * 60_000;
  b.spend(5, t0);
  b.report(98, t0 + 10);
  assert.equal(b.used(t0 + 10), 98);
  assert.equal(b.waitFor(5, t0 + 10), 60_000 - 10);
  b.report(3, t0 + 20);
  assert.equal(b.used(t0 + 20), 98, "a lower figure never lowers the count");
});

Deno.test("WeightBudget.block() stops every request until Retry-After passes", () => {
  const b = new WeightBudget({ budget: 6000 });
  const t0 = 1_700_000_000_000;
  b.block(7000, t0);
  assert.equal(b.waitFor(1, t0), 7000);
  assert.equal(b.waitFor(1, t0 + 6999), 1);
  assert.equal(b.waitFor(1, t0 + 7000), 0);
  b.block(1000, t0);
  assert.equal(b.blockedUntil, t0 + 7000, "a shorter block never shortens a longer one");
});

Deno.test("WeightBudget.waitFor() lets one heavy request through an empty window", () => {
  const b = new WeightBudget({ budget: 100 });
  assert.equal(b.waitFor(250, 0), 0);
});
