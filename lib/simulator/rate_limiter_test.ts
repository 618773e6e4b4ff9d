import assert from "node:assert/strict";
import { RateLimiter } from "./rate_limiter.ts";

function limiter() {
  const clock = { now: 0 };
  const l = new RateLimiter({
    weightPerWindow: 100,
    windowMs: 60_000,
    banMs: 120_000,
    clock: () => clock.now,
  });
  return { l, clock };
}

Deno.test("RateLimiter.check() counts weight per window and answers 429 over the budget", () => {
  const { l, clock } = limiter();
  assert.deepEqual(l.check(50), { status: 200, usedWeight: 50 });
  assert.deepEqual(l.check(50), { status: 200, usedWeight: 100 });
  clock.now = 20_500;
  const verdict = l.check(5);
  assert.equal(verdict.status, 429);
  assert.equal(verdict.status === 429 && verdict.retryAfterSeconds, 40);
  assert.equal(l.usedWeight, 100);
});

Deno.test("RateLimiter.check() does not ban a client that waits Retry-After", () => {
  const { l, clock } = limiter();
  l.check(100);
  clock.now = 59_000;
  const verdict = l.check(5);
  assert.equal(verdict.status, 429);
  clock.now += (verdict.status === 429 ? verdict.retryAfterSeconds : 0) * 1000;
  assert.deepEqual(l.check(5), { status: 200, usedWeight: 5 });
});

Deno.test("RateLimiter.check() bans with 418 a client that keeps sending after a 429", () => {
  const { l, clock } = limiter();
  l.check(100);
  assert.equal(l.check(1).status, 429);
  clock.now = 1000;
  const ban = l.check(1);
  assert.equal(ban.status, 418);
  assert.equal(ban.status === 418 && ban.retryAfterSeconds, 120);
  clock.now = 61_000; // new window, still banned
  const still = l.check(1);
  assert.equal(still.status, 418);
  assert.equal(still.status === 418 && still.retryAfterSeconds, 60);
  clock.now = 121_000;
  assert.equal(l.check(1).status, 200);
});

Deno.test("RateLimiter.throttle() answers 429 for its duration, only to throttleable requests", () => {
  const { l, clock } = limiter();
  l.throttle(2500);
  const verdict = l.check(5);
  assert.equal(verdict.status === 429 && verdict.retryAfterSeconds, 3);
  clock.now = 3000;
  assert.equal(l.check(5).status, 200);
  l.throttle(1000);
  assert.equal(l.check(1, false).status, 200);
});
