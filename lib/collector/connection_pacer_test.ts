import assert from "node:assert/strict";
import { CONNECTION_ATTEMPTS_WINDOW_MS, MAX_CONNECTION_ATTEMPTS } from "../binance/limits.ts";
import { ConnectionPacer } from "./connection_pacer.ts";

Deno.test("ConnectionPacer.reserve() spaces attempts by the minimum interval", () => {
  const pacer = new ConnectionPacer({ minIntervalMs: 100 });
  assert.deepEqual([pacer.reserve(0), pacer.reserve(0), pacer.reserve(0)], [0, 100, 200]);
  assert.equal(pacer.reserve(1000), 0);
});

Deno.test("ConnectionPacer.reserve() never allows more than maxAttempts in any window", () => {
  const pacer = new ConnectionPacer({ minIntervalMs: 0 });
  assert.equal(pacer.maxAttempts, MAX_CONNECTION_ATTEMPTS / 2);
  const times: number[] = [];
  for (let i = 0; i < 1000; i++) times.push(pacer.reserve(i * 10) + i * 10);
  for (const t of times) {
    const inWindow = times.filter((x) => x >= t && x < t + CONNECTION_ATTEMPTS_WINDOW_MS).length;
    assert.ok(inWindow <= pacer.maxAttempts, `${inWindow} attempts in the window from ${t}`);
  }
  assert.ok(times.at(-1)! >= 5 * CONNECTION_ATTEMPTS_WINDOW_MS, "the crowd was spread out");
});

Deno.test("new ConnectionPacer() rejects more attempts than Binance allows", () => {
  assert.throws(() => new ConnectionPacer({ maxAttempts: 301 }), /attempts 301/);
});
