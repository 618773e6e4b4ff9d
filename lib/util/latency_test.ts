import assert from "node:assert/strict";
import { LATENCY_MAX_MS, LatencyHistogram, LatencySnapshot, LatencyWindow } from "./latency.ts";

function near(actual: number | null, expected: number, relative = 0.05): void {
  assert.ok(actual !== null, "expected a value");
  assert.ok(
    Math.abs(actual - expected) <= Math.abs(expected) * relative,
    `expected ${actual} within ${relative * 100}% of ${expected}`,
  );
}

Deno.test("LatencyHistogram.quantile() returns null, when nothing was recorded", () => {
  const h = new LatencyHistogram();
  assert.equal(h.quantile(0.5), null);
  assert.equal(h.snapshot().mean(), null);
  assert.equal(h.count, 0);
});

Deno.test("LatencyHistogram.quantile() is within 5% of the exact quantile, on 1..10000 ms", () => {
  const h = new LatencyHistogram();
  const values: number[] = [];
  for (let i = 1; i <= 10_000; i++) values.push(i);
  // Shuffled, so the order of recording plays no part.
  for (let i = values.length - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  for (const v of values) h.record(v);
  assert.equal(h.count, 10_000);
  near(h.quantile(0.5), 5000);
  near(h.quantile(0.99), 9900);
  near(h.quantile(0.01), 100);
  near(h.quantile(1), 10_000);
  near(h.snapshot().mean(), 5000.5, 1e-9);
});

Deno.test("LatencyHistogram.quantile() follows a skewed distribution's tail", () => {
  const h = new LatencyHistogram();
  for (let i = 0; i < 990; i++) h.record(3);
  for (let i = 0; i < 10; i++) h.record(800);
  near(h.quantile(0.5), 3);
  near(h.quantile(0.99), 3);
  near(h.quantile(0.995), 800);
});

Deno.test("LatencyHistogram.record() counts tiny values as 0 and huge ones at the limit", () => {
  const h = new LatencyHistogram();
  h.record(0);
  h.record(0.001);
  h.record(-0.05);
  assert.equal(h.quantile(1), 0);
  assert.equal(h.quantile(0), 0);
  h.record(1e12);
  assert.equal(h.quantile(1), LATENCY_MAX_MS);
  h.record(-1e12);
  assert.equal(h.quantile(0), -LATENCY_MAX_MS);
  h.record(Number.NaN);
  h.record(Number.POSITIVE_INFINITY);
  assert.equal(h.count, 5);
  assert.equal(h.snapshot().sum, 0 + 0.001 - 0.05 + 1e12 - 1e12);
});

Deno.test("LatencyHistogram keeps negative lags (a clock behind the exchange) with their sign", () => {
  const h = new LatencyHistogram();
  for (let i = 1; i <= 1000; i++) h.record(-1300 + i); // -1299 .. -300
  near(h.quantile(0.5), -800);
  assert.ok(Math.abs(h.quantile(0.99)! - -310) <= 310 * 0.05);
  assert.ok(Math.abs(h.quantile(0.01)! - -1289) <= 1289 * 0.05);
  // Values across zero stay ordered.
  const mixed = new LatencyHistogram();
  for (const v of [-5, -1, 0, 1, 5]) mixed.record(v);
  const q = [0.2, 0.4, 0.6, 0.8, 1].map((x) => Math.round(mixed.quantile(x)!));
  assert.deepEqual(q, [-5, -1, 0, 1, 5]);
});

Deno.test("LatencySnapshot.since() gives the quantiles of an interval only", () => {
  const h = new LatencyHistogram();
  for (let i = 0; i < 1000; i++) h.record(1000);
  const before = h.snapshot();
  for (let i = 0; i < 100; i++) h.record(2);
  const interval = h.snapshot().since(before);
  assert.equal(interval.count, 100);
  near(interval.quantile(0.99), 2);
  near(interval.mean(), 2, 1e-9);
  // The earlier snapshot is unchanged by later recording.
  assert.equal(before.count, 1000);
  near(before.quantile(0.01), 1000);
});

Deno.test("LatencySnapshot.since() returns the whole snapshot, when the earlier one is larger", () => {
  const big = new LatencyHistogram();
  for (let i = 0; i < 10; i++) big.record(5);
  const small = new LatencyHistogram();
  small.record(50);
  const result = small.snapshot().since(big.snapshot());
  assert.equal(result.count, 1);
  near(result.quantile(0.5), 50);
});

Deno.test("LatencySnapshot.plus() merges two histograms", () => {
  const a = new LatencyHistogram();
  const b = new LatencyHistogram();
  for (let i = 0; i < 50; i++) a.record(10);
  for (let i = 0; i < 50; i++) b.record(100);
  const all = a.snapshot().plus(b.snapshot());
  assert.equal(all.count, 100);
  near(all.quantile(0.25), 10);
  near(all.quantile(0.75), 100);
  assert.equal(LatencySnapshot.empty().plus(all).count, 100);
});

Deno.test("LatencySnapshot.quantile() rejects a quantile outside 0..1", () => {
  assert.throws(() => LatencySnapshot.empty().quantile(1.5), /Invalid quantile 1.5/);
  assert.throws(() => LatencySnapshot.empty().quantile(Number.NaN), RangeError);
});

Deno.test("LatencyWindow.recent() forgets values older than two windows", () => {
  const h = new LatencyHistogram();
  const w = new LatencyWindow(h, 0, 1000);
  for (let i = 0; i < 10; i++) h.record(100);
  assert.equal(w.recent(500).count, 10); // first window: since the start
  assert.equal(w.recent(1000).count, 10); // window moves: base is still the start
  for (let i = 0; i < 5; i++) h.record(1);
  assert.equal(w.recent(1500).count, 15);
  near(w.recent(1500).quantile(0.99), 100);
  // Base moves to t=1000: only the 5 values recorded after it remain.
  assert.equal(w.recent(2000).count, 5);
  near(w.recent(2000).quantile(0.99), 1);
  assert.equal(w.recent(3000).count, 0);
  assert.equal(w.recent(3000).quantile(0.5), null);
  assert.throws(() => new LatencyWindow(h, 0, 0), /Invalid window 0 ms/);
});
