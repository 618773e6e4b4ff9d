import assert from "node:assert/strict";
import { AlertLimiter } from "./alert_limiter.ts";

function limiter(options: { repeatAfterMs?: number; maxPerHour?: number } = {}) {
  const clock = { t: 0 };
  const l = new AlertLimiter({
    repeatAfterMs: options.repeatAfterMs ?? 900_000,
    maxPerHour: options.maxPerHour ?? 30,
    now: () => clock.t,
  });
  return { l, clock };
}

Deno.test("AlertLimiter.admit() lets a key through once per repeatAfterMs and counts the rest", () => {
  const { l, clock } = limiter();
  assert.deepEqual(l.admit(["out-of-sync:ETHUSDT"])?.keys, ["out-of-sync:ETHUSDT"]);
  clock.t = 60_000;
  assert.equal(l.admit(["out-of-sync:ETHUSDT"]), null);
  clock.t = 120_000;
  assert.equal(l.admit(["out-of-sync:ETHUSDT"]), null);
  assert.equal(l.pending(), 2);
  // Another symbol, and another kind of the same symbol, are other keys.
  assert.ok(l.admit(["out-of-sync:BTCUSDT"]));
  assert.ok(l.admit(["back-in-sync:ETHUSDT"]));
  clock.t = 900_000;
  const next = l.admit(["out-of-sync:ETHUSDT"])!;
  assert.deepEqual(next.suppressed, new Map([["out-of-sync:ETHUSDT", 2]]));
  assert.equal(l.pending(), 0);
});

Deno.test("AlertLimiter.admit() of several keys keeps the open ones, in order", () => {
  const { l, clock } = limiter();
  l.admit(["gap:B"]);
  clock.t = 1000;
  const a = l.admit(["gap:A", "gap:B", "gap:C"])!;
  assert.deepEqual(a.keys, ["gap:A", "gap:C"]);
  assert.equal(l.pending(), 1, "B counted as suppressed");
  assert.equal(l.admit(["gap:A", "gap:B"]), null, "none open: no message, nothing spent");
});

Deno.test("AlertLimiter.admit() stops at maxPerHour in any hour and reports what the cap held", () => {
  const { l, clock } = limiter({ repeatAfterMs: 0, maxPerHour: 3 });
  for (let i = 0; i < 3; i++) {
    clock.t = i * 1000;
    assert.ok(l.admit([`k${i}`]), `message ${i}`);
  }
  clock.t = 10_000;
  assert.equal(l.admit(["k9"]), null);
  assert.equal(l.admit(["k8"]), null);
  clock.t = 3_600_000; // the first message left the hour
  const a = l.admit(["k9"])!;
  assert.equal(a.heldByCap, 2);
  assert.deepEqual(a.suppressed, new Map([["k9", 1]]));
  assert.equal(l.admit(["k7"]), null, "the second and third are still within the hour");
});
