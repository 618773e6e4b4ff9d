/**
 * The collector and Binance's REST limits, against the simulator: 429 with `Retry-After`
 * honoured to the letter (and never a 418), and 1500 symbols over two connections within the
 * weight budget.
 */
import assert from "node:assert/strict";
import { MAX_STREAMS_PER_CONNECTION } from "../lib/binance/limits.ts";
import { auditRecords, startHarness, until } from "./helpers/collector_harness.ts";

interface Call {
  at: number;
  url: string;
  status: number;
  retryAfter: string | null;
}

/** A fetch that records when each request was sent and what came back. */
function recordingFetch(calls: Call[]): typeof fetch {
  return async (input, init) => {
    const at = Date.now();
    const response = await fetch(input, init);
    calls.push({
      at,
      url: String(input),
      status: response.status,
      retryAfter: response.headers.get("Retry-After"),
    });
    return response;
  };
}

Deno.test("collector: after a 429 no request is sent until Retry-After has passed; no 418", async () => {
  const calls: Call[] = [];
  await using h = await startHarness({
    sim: { symbols: ["BTCUSDT", "ETHUSDT"], updateIntervalMs: 20 },
    collector: { fetch: recordingFetch(calls) },
  });
  h.sim.throttleSnapshots(1200);
  await h.collector.ready;
  await until("in sync", () => h.collector.stats().inSync === 2, 15_000);
  await h.collector.stop();
  assert.equal(h.sim.stats.status418, 0);
  assert.ok(h.sim.stats.status429 >= 1);
  const limited = calls.filter((c) => c.status === 429);
  assert.equal(limited.length, h.collector.stats().snapshots.status429);
  for (const l of limited) {
    const until = l.at + Number(l.retryAfter) * 1000;
    const inside = calls.filter((c) => c.at > l.at && c.at < until);
    assert.deepEqual(inside, [], `requests inside the Retry-After window of ${l.at}`);
  }
  for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
    assert.equal(auditRecords(h.sink.of(symbol), h.sim.events(symbol)).gaps.length, 0);
  }
  assert.deepEqual(h.mismatches, []);
});

Deno.test("collector: 1500 symbols run on two connections (twice: two lanes) within the weight budget", async () => {
  const calls: Call[] = [];
  const windowMs = 2000;
  const weightPerMinute = 8000; // budget 4000 a window: 800 snapshots of weight 5
  await using h = await startHarness({
    sim: {
      symbols: ["BTCUSDT"],
      extraSymbols: 1499,
      levelsPerSide: 5,
      updateIntervalMs: 100,
      weightPerMinute,
      weightWindowMs: windowMs,
    },
    config: { symbols: "all", snapshotLimit: 100, silenceTimeoutMs: 5000, redundancy: 2 },
    collector: { fetch: recordingFetch(calls), weightWindowMs: windowMs },
  });
  await h.collector.ready;
  assert.equal(h.collector.states().size, 1500, "BREAK symbols left out");
  await until("two connections on each of two lanes", () => h.sim.stats.connectionsOpen === 4);
  const conns = h.sim.connections();
  assert.ok(conns.every((c) => c.streams.length <= MAX_STREAMS_PER_CONNECTION));
  assert.equal(conns.reduce((n, c) => n + c.streams.length, 0), 3000, "every stream twice");
  assert.equal(new Set(conns.flatMap((c) => c.streams)).size, 1500);
  await until(
    "1400 snapshot requests",
    () => h.collector.stats().snapshots.requested >= 1400,
    30_000,
  );
  await until("1400 in sync", () => h.collector.stats().inSync >= 1400, 30_000);
  await h.collector.stop();
  assert.equal(h.sim.stats.status429, 0, "never over the budget");
  assert.equal(h.sim.stats.status418, 0);
  // Our own accounting: weight per simulator window never above half the limit.
  const perWindow = new Map<number, number>();
  for (const c of calls.filter((c) => c.url.includes("/depth"))) {
    const w = Math.floor(c.at / windowMs);
    perWindow.set(w, (perWindow.get(w) ?? 0) + 5);
  }
  assert.ok(Math.max(...perWindow.values()) <= weightPerMinute / 2, JSON.stringify([...perWindow]));
  assert.ok(perWindow.size >= 2, "the budget made it take more than one window");
  for (const symbol of ["BTCUSDT", "XS0001USDT", "XS1499USDT"]) {
    const audit = auditRecords(h.sink.of(symbol), h.sim.events(symbol));
    assert.equal(audit.duplicates, 0, symbol);
    assert.deepEqual(audit.unannounced, [], symbol);
  }
  assert.deepEqual(h.mismatches, []);
});
