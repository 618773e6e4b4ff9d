/**
 * Clock checks against a real HTTP server on 127.0.0.1 that serves a skewed `/api/v3/time`.
 */
import assert from "node:assert/strict";
import { measureClock, startClockChecks } from "../lib/ops/clock.ts";
import { type CapturedLine, captureLogs } from "./helpers/capture_logs.ts";
import type { ClockRecord } from "../lib/recording/records.ts";

const SKEW_MS = 5_000;

/** The warnings among `lines`, each as `message: error`. */
function warningsOf(lines: CapturedLine[]): string[] {
  return lines.filter((l) => l.level === "warn").map((l) => `${l.msg}: ${l.fields.error}`);
}

/** A time server whose clock is SKEW_MS ahead; `behaviour` picks the answer of each request. */
function timeServer(behaviour: (n: number) => "ok" | "error" | "garbage" | "hang") {
  let n = 0;
  const hung: Array<() => void> = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    if (url.pathname !== "/api/v3/time") return new Response("not found", { status: 404 });
    switch (behaviour(n++)) {
      case "error":
        return new Response('{"code":-1003,"msg":"Too many requests"}', {
          status: 429,
          headers: { "X-MBX-USED-WEIGHT-1M": "6001" },
        });
      case "garbage":
        return new Response('{"serverTime":');
      case "hang":
        return new Promise<Response>((resolve) => hung.push(() => resolve(new Response("late"))));
      default:
        return Response.json({ serverTime: Date.now() + SKEW_MS }, {
          headers: { "X-MBX-USED-WEIGHT-1M": String(n) },
        });
    }
  });
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    requests: () => n,
    async [Symbol.asyncDispose]() {
      for (const release of hung) release();
      await server.shutdown();
    },
  };
}

Deno.test("measureClock() finds a 5 s skew of a real server within half the round trip", async () => {
  await using server = timeServer(() => "ok");
  const weights: number[] = [];
  const record = await measureClock(server.base, {
    now: Date.now,
    onUsedWeight: (w) => weights.push(w),
  });
  // The server read its clock between our send and receive, so the true skew lies within
  // rtt/2 of the measured offset (plus 1 ms for Date.now()'s whole milliseconds).
  assert.ok(
    Math.abs(record.offsetMs - SKEW_MS) <= record.rttMs / 2 + 1,
    `offset ${record.offsetMs} ms, rtt ${record.rttMs} ms`,
  );
  assert.ok(record.rttMs >= 0);
  assert.equal(record.type, "clock");
  assert.deepEqual(weights, [1]);
});

Deno.test("startClockChecks() against a real server: errors and garbage are retried, not fatal", async () => {
  await using server = timeServer((n) => (n === 0 ? "error" : n === 1 ? "garbage" : "ok"));
  const records: ClockRecord[] = [];
  const log = captureLogs();
  const weights: number[] = [];
  let done!: () => void;
  const twoRecords = new Promise<void>((resolve) => (done = resolve));
  const checks = startClockChecks(server.base, (r) => {
    records.push(r);
    if (records.length === 2) done();
  }, {
    intervalMs: 10,
    logger: log.logger,
    onUsedWeight: (w) => weights.push(w),
  });
  try {
    await twoRecords;
  } finally {
    await checks.stop();
  }
  const warnings = warningsOf(log.lines);
  assert.equal(server.requests(), 4);
  for (const r of records) {
    assert.ok(Math.abs(r.offsetMs - SKEW_MS) <= r.rttMs / 2 + 20, `offset ${r.offsetMs} ms`);
  }
  const failures = warnings.filter((w) => w.startsWith("clock check failed"));
  assert.equal(failures.length, 2);
  assert.match(failures[0]!, /answered HTTP 429/);
  assert.match(failures[1]!, /Invalid server time answer "\{\\"serverTime\\":"/);
  // The 5 s skew is over the 1 s warning threshold: each measurement warns.
  assert.equal(warnings.filter((w) => w.startsWith("local clock is off by")).length, 2);
  assert.deepEqual(weights, [6001, 3, 4]); // the garbage answer carried no weight header
});

Deno.test("startClockChecks() times out a server that never answers, then recovers", async () => {
  await using server = timeServer((n) => (n === 0 ? "hang" : "ok"));
  const log = captureLogs();
  let resolveRecord!: (r: ClockRecord) => void;
  const first = new Promise<ClockRecord>((resolve) => (resolveRecord = resolve));
  const checks = startClockChecks(server.base, (r) => resolveRecord(r), {
    intervalMs: 10,
    timeoutMs: 50,
    logger: log.logger,
  });
  try {
    const record = await first;
    assert.equal(record.serverTime > 0, true);
  } finally {
    await checks.stop();
  }
  assert.match(warningsOf(log.lines)[0]!, /timed out after 50 ms/);
});
