import assert from "node:assert/strict";
import { Backoff } from "./backoff.ts";

Deno.test("Backoff.next() doubles up to the cap and never gives up", () => {
  const backoff = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0.999999 });
  const delays = Array.from({ length: 8 }, () => Math.round(backoff.next()));
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000, 1000, 1000]);
  for (let i = 0; i < 10_000; i++) assert.ok(backoff.next() <= 1000);
  assert.equal(backoff.attempt, 10_008);
});

Deno.test("Backoff.next() jitters within [d/2, d]", () => {
  const low = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0 });
  assert.deepEqual([low.next(), low.next(), low.next()], [50, 100, 200]);
  const any = new Backoff({ baseMs: 100, maxMs: 1000 });
  for (let i = 0; i < 100; i++) {
    const d = any.next();
    const ceiling = Math.min(1000, 100 * 2 ** i);
    assert.ok(d >= ceiling / 2 && d <= ceiling, `attempt ${i}: ${d}`);
  }
});

Deno.test("Backoff.reset() starts again from the base", () => {
  const backoff = new Backoff({ baseMs: 10, maxMs: 80, random: () => 0 });
  backoff.next();
  backoff.next();
  backoff.reset();
  assert.equal(backoff.next(), 5);
});

Deno.test("new Backoff() rejects a base of zero and a cap below the base", () => {
  assert.throws(() => new Backoff({ baseMs: 0, maxMs: 10 }), /base 0 ms/);
  assert.throws(() => new Backoff({ baseMs: 100, maxMs: 10 }), /cap 10 ms/);
});
