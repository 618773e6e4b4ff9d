import assert from "node:assert/strict";
import type { ClockRecord } from "../recording/records.ts";
import { measureClock, startClockChecks } from "./clock.ts";
import { captureLogs } from "../../tests/helpers/capture_logs.ts";

/** A fake fetch answering from a queue: a body, a status + body, or an error. */
function fakeFetch(answers: Array<Response | Error | "hang">, urls: string[] = []): typeof fetch {
  return (input, init) => {
    urls.push(String(input));
    const next = answers.shift() ?? new Error("no more answers");
    if (next === "hang") {
      return new Promise((_, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason), { once: true });
      });
    }
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
}

function clockTicks(...times: number[]): () => number {
  return () => {
    const t = times.shift();
    if (t === undefined) throw new Error("clock ran out of ticks");
    return t;
  };
}

Deno.test("measureClock() computes offset from the round trip's midpoint, and the rtt", async () => {
  const urls: string[] = [];
  const weights: number[] = [];
  const record = await measureClock("https://api.example/", {
    fetch: fakeFetch([
      new Response('{"serverTime":1750809601120}', { headers: { "X-MBX-USED-WEIGHT-1M": "7" } }),
    ], urls),
    now: clockTicks(1750809601000.25, 1750809601040.75),
    onUsedWeight: (w) => weights.push(w),
  });
  assert.deepEqual(urls, ["https://api.example/api/v3/time"]);
  assert.deepEqual(record, {
    type: "clock",
    recv: 1750809601040.75,
    serverTime: 1750809601120,
    offsetMs: 99.5,
    rttMs: 40.5,
  });
  assert.deepEqual(weights, [7]);
});

Deno.test("measureClock() rejects error statuses and answers that are not a server time", async () => {
  const cases: Array<[Response, RegExp]> = [
    [new Response("busy", { status: 429 }), /GET http:\/\/x\/api\/v3\/time answered HTTP 429/],
    [new Response("<html>"), /Invalid server time answer "<html>" from http:\/\/x/],
    [new Response("{}"), /Invalid server time answer "\{\}"/],
    [new Response('{"serverTime":"1"}'), /Invalid server time answer/],
    [new Response('{"serverTime":-5}'), /Invalid server time answer/],
    [new Response("null"), /Invalid server time answer "null"/],
  ];
  for (const [answer, error] of cases) {
    await assert.rejects(
      measureClock("http://x", { fetch: fakeFetch([answer]), now: clockTicks(1, 2) }),
      error,
    );
  }
  await assert.rejects(
    measureClock("http://x", { fetch: fakeFetch([new TypeError("connection refused")]) }),
    /connection refused/,
  );
});

Deno.test("measureClock() gives up after timeoutMs", async () => {
  await assert.rejects(
    measureClock("http://x", { fetch: fakeFetch(["hang"]), timeoutMs: 10 }),
    /GET http:\/\/x\/api\/v3\/time timed out after 10 ms/,
  );
});

Deno.test("startClockChecks() measures at start and each interval, surviving failures", async () => {
  const { lines, logger } = captureLogs();
  const records: ClockRecord[] = [];
  let done!: () => void;
  const threeRecords = new Promise<void>((resolve) => (done = resolve));
  const checks = startClockChecks("http://x", (r) => {
    records.push(r);
    if (records.length === 3) done();
  }, {
    intervalMs: 5,
    logger,
    fetch: fakeFetch([
      new Response('{"serverTime":1000}'),
      new TypeError("network down"),
      new Response("oops", { status: 503 }),
      new Response('{"serverTime":5000}'),
      new Response('{"serverTime":3000}'),
    ]),
    // A network error reads the clock once (before sending), an answer twice.
    now: clockTicks(100, 120, 200, 300, 320, 400, 420, 500, 540),
    warnOffsetMs: 2000,
  });
  try {
    await threeRecords;
  } finally {
    await checks.stop();
  }
  assert.deepEqual(records.map((r) => [r.serverTime, r.offsetMs, r.rttMs]), [
    [1000, 890, 20],
    [5000, 4590, 20],
    [3000, 2480, 40],
  ]);
  assert.equal(checks.last, records[2]);
  assert.deepEqual(lines.map((l) => [l.level, l.msg]), [
    ["info", "clock offset 890 ms, rtt 20 ms"],
    ["warn", "clock check failed; retrying at the next interval"],
    ["warn", "clock check failed; retrying at the next interval"],
    ["warn", "local clock is off by 4590 ms from the exchange"],
    ["warn", "local clock is off by 2480 ms from the exchange"],
  ]);
  assert.deepEqual(lines[1]?.fields, { error: "network down", retryInMs: 5 });
  assert.deepEqual(lines[2]?.fields, {
    error: "GET http://x/api/v3/time answered HTTP 503",
    retryInMs: 5,
  });
  assert.deepEqual(lines[0]?.fields, { offsetMs: 890, rttMs: 20, serverTime: 1000 });
});

Deno.test("startClockChecks() stop() aborts a measurement in flight and schedules nothing", async () => {
  const { lines, logger } = captureLogs();
  const records: ClockRecord[] = [];
  const checks = startClockChecks("http://x", (r) => records.push(r), {
    intervalMs: 60_000,
    logger,
    fetch: fakeFetch(["hang"]),
  });
  await checks.stop();
  assert.equal(await checks.checkNow(), null);
  assert.deepEqual(records, []);
  assert.deepEqual(lines, []);
});

Deno.test("startClockChecks() checkNow() measures outside the schedule; a throwing callback is logged", async () => {
  const { lines, logger } = captureLogs();
  let calls = 0;
  const checks = startClockChecks("http://x", () => {
    calls++;
    throw new Error("disk gone");
  }, {
    intervalMs: 60_000,
    logger,
    fetch: fakeFetch([new Response('{"serverTime":10}'), new Response('{"serverTime":20}')]),
    now: clockTicks(0, 2, 10, 12),
  });
  try {
    const first = await checks.checkNow(); // joins the start-up measurement
    const second = await checks.checkNow();
    assert.equal(first?.serverTime, 10);
    assert.equal(second?.serverTime, 20);
    assert.equal(calls, 2);
    assert.equal(lines.filter((l) => l.level === "error").length, 2);
    assert.deepEqual(lines.find((l) => l.level === "error")?.fields, {
      error: "Error: disk gone",
    });
  } finally {
    await checks.stop();
  }
});

Deno.test("startClockChecks() rejects a non-positive interval", () => {
  assert.throws(
    () => startClockChecks("http://x", () => {}, { intervalMs: 0 }),
    /Invalid clock check interval 0 ms/,
  );
});

Deno.test("measureClock() reads no more than 4 KiB of an endless answer", async () => {
  let pulled = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(new TextEncoder().encode('{"serverTime":1'.padEnd(1000, "0")));
    },
  });
  await assert.rejects(
    measureClock("http://x", { fetch: fakeFetch([new Response(endless)]), now: clockTicks(1, 2) }),
    /Invalid server time answer/,
  );
  assert.ok(pulled <= 10, `pulled ${pulled} chunks`);
});
