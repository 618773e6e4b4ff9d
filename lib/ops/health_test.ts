import assert from "node:assert/strict";
import { evaluateHealth, type HealthInput } from "./health.ts";

const MIN = 60_000;
const T0 = 1_750_000_000_000;

function input(symbols: HealthInput["symbols"], extra: Partial<HealthInput> = {}): HealthInput {
  return { startedAt: T0, lastFrameAt: T0 + 10 * MIN, symbols, ...extra };
}

Deno.test("evaluateHealth() is ok, when every symbol is in sync or resyncing within limits", () => {
  const r = evaluateHealth(
    input({
      BTCUSDT: { state: "in-sync", since: T0 },
      ETHUSDT: { state: "in-sync", since: T0 },
      BNBUSDT: { state: "in-sync", since: T0 },
      XRPUSDT: { state: "resyncing", since: T0 + 9 * MIN, detail: "sequence" },
    }),
    T0 + 10 * MIN,
  );
  assert.equal(r.ok, true);
  assert.deepEqual(r.reasons, []);
  assert.equal(r.inSync, 3);
  assert.equal(r.outOfSync, 1);
  assert.deepEqual(r.symbols.XRPUSDT, {
    state: "resyncing",
    since: T0 + 9 * MIN,
    forMs: MIN,
    ok: true,
    detail: "sequence",
  });
});

Deno.test("evaluateHealth() fails a symbol resyncing longer than maxOutOfSyncMs", () => {
  const symbols = {
    A: { state: "in-sync", since: T0 },
    B: { state: "resyncing", since: T0 },
  } as const;
  const now = T0 + 5 * MIN;
  assert.equal(
    evaluateHealth(input(symbols, { lastFrameAt: now }), now, {
      maxOutOfSyncFraction: 1,
    }).ok,
    true,
  );
  const r = evaluateHealth(input(symbols, { lastFrameAt: now + 1 }), now + 1, {
    maxOutOfSyncFraction: 1,
  });
  assert.equal(r.ok, false);
  assert.deepEqual(r.reasons, ["symbol-out-of-sync: 1 out of sync for over 300 s (B)"]);
  assert.equal(r.symbols.B?.ok, false);
  assert.equal(r.symbols.A?.ok, true);
});

Deno.test("evaluateHealth() fails too many symbols out of sync, only after the start-up grace", () => {
  const symbols = {
    A: { state: "stale", since: T0 + 9 * MIN },
    B: { state: "resyncing", since: T0 + 9 * MIN },
    C: { state: "in-sync", since: T0 },
  } as const;
  const late = evaluateHealth(input(symbols), T0 + 10 * MIN);
  assert.equal(late.ok, false);
  assert.deepEqual(late.reasons, ["too-many-out-of-sync: 2 of 3 symbols (over 25%)"]);
  const early = evaluateHealth(input(symbols, { lastFrameAt: T0 + MIN }), T0 + MIN, {
    startupGraceMs: 2 * MIN,
  });
  assert.equal(early.ok, true);
  assert.equal(
    evaluateHealth(input(symbols), T0 + 10 * MIN, { maxOutOfSyncFraction: 0.7 }).ok,
    true,
  );
});

Deno.test("evaluateHealth() fails when no frame came for maxSilenceMs, counting from start", () => {
  const symbols = { A: { state: "in-sync", since: T0 } } as const;
  const r = evaluateHealth(input(symbols), T0 + 12 * MIN);
  assert.deepEqual(r.reasons, ["no-frames: nothing received for 120 s"]);
  assert.equal(r.silentForMs, 2 * MIN);
  const never = evaluateHealth(
    input({ A: { state: "resyncing", since: T0 } }, { lastFrameAt: null }),
    T0 + 61_000,
  );
  assert.deepEqual(never.reasons, ["no-frames: nothing received for 61 s"]);
  const fresh = evaluateHealth(
    input({ A: { state: "resyncing", since: T0 } }, { lastFrameAt: null }),
    T0 + 30_000,
  );
  assert.equal(fresh.ok, true);
});

Deno.test("evaluateHealth() fails with no symbols and with problems the collector reports", () => {
  assert.deepEqual(evaluateHealth(input({}), T0 + 10 * MIN).reasons, [
    "no-symbols: no symbol is being recorded",
  ]);
  const r = evaluateHealth(
    input({ A: { state: "in-sync", since: T0 } }, { problems: ["write-error: disk full"] }),
    T0 + 10 * MIN,
  );
  assert.deepEqual(r.reasons, ["write-error: disk full"]);
  assert.equal(r.ok, false);
});

Deno.test("evaluateHealth() lists at most ten stuck symbols by name", () => {
  const symbols: Record<string, { state: "stale"; since: number }> = {};
  for (let i = 0; i < 12; i++) symbols[`S${i}`] = { state: "stale", since: T0 };
  const r = evaluateHealth(input(symbols), T0 + 10 * MIN, { maxOutOfSyncFraction: 1 });
  assert.deepEqual(r.reasons, [
    "symbol-out-of-sync: 12 out of sync for over 300 s (S0, S1, S2, S3, S4, S5, S6, S7, S8, S9, …)",
  ]);
});
