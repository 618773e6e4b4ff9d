import assert from "node:assert/strict";
import { formatBytes } from "../util/format_bytes.ts";
import { LatencyHistogram } from "../util/latency.ts";
import {
  type ConnectionStatus,
  formatStatus,
  startStatus,
  type StatusSource,
  StatusTracker,
} from "./status.ts";
import { captureLogs } from "../../tests/helpers/capture_logs.ts";

/** A source whose numbers the test moves by hand. */
function fakeSource() {
  const lag = { a: new LatencyHistogram(), b: new LatencyHistogram() };
  const conns: Record<"a" | "b", Omit<ConnectionStatus, "lag">> = {
    a: { id: "1", events: 0, symbols: 3, inSync: 3, resyncing: 0, gapsToday: 0 },
    b: { id: "2", events: 0, symbols: 2, inSync: 0, resyncing: 1, gapsToday: 4 },
  };
  const totals = { restWeightUsed: 250, restWeightLimit: 6000, bytesWrittenToday: 3 * 1024 ** 2 };
  const source: StatusSource = {
    connections: () => [
      { ...conns.a, lag: lag.a.snapshot() },
      { ...conns.b, lag: lag.b.snapshot() },
    ],
    totals: () => ({ ...totals }),
  };
  return { source, conns, lag, totals };
}

Deno.test("StatusTracker.line() computes rates and lag quantiles over each interval", () => {
  const { source, conns, lag } = fakeSource();
  const tracker = new StatusTracker(source, 0);
  conns.a.events = 6000;
  conns.b.events = 600;
  for (let i = 0; i < 99; i++) lag.a.record(10);
  lag.a.record(500);
  const first = tracker.line(60_000);
  assert.deepEqual(first.connections[0], {
    id: "1",
    eventsPerSec: 100,
    symbols: 3,
    inSync: 3,
    resyncing: 0,
    stale: 0,
    gapsToday: 0,
    lagP50Ms: 9.93, // the bucket of 10 ms (estimates are within 4.5%)
    lagP99Ms: 9.93,
  });
  assert.deepEqual(first.connections[1], {
    id: "2",
    eventsPerSec: 10,
    symbols: 2,
    inSync: 0,
    resyncing: 1,
    stale: 1,
    gapsToday: 4,
    lagP50Ms: null,
    lagP99Ms: null,
  });
  assert.equal(first.eventsPerSec, 110);
  assert.equal(first.intervalSec, 60);
  assert.deepEqual(
    [first.symbols, first.inSync, first.resyncing, first.stale, first.gapsToday],
    [5, 3, 1, 1, 4],
  );
  assert.deepEqual([first.restWeightUsed, first.restWeightLimit], [250, 6000]);
  assert.equal(first.bytesWrittenToday, 3 * 1024 ** 2);

  // Second interval: 30 s, only new lags count.
  conns.a.events = 6300;
  for (let i = 0; i < 10; i++) lag.b.record(2000);
  const second = tracker.line(90_000);
  assert.equal(second.intervalSec, 30);
  assert.equal(second.connections[0]?.eventsPerSec, 10);
  assert.equal(second.connections[1]?.eventsPerSec, 0);
  assert.equal(second.connections[0]?.lagP50Ms, null);
  assert.equal(Math.round(second.connections[1]!.lagP99Ms!), 1961); // 2000 ms, bucketed;
  assert.equal(Math.round(second.lagP50Ms!), 1961);
});

Deno.test("StatusTracker.line() counts a replaced connection (counter went back) from 0", () => {
  const { source, conns } = fakeSource();
  const tracker = new StatusTracker(source, 0);
  conns.a.events = 1000;
  tracker.line(10_000);
  conns.a.events = 50;
  assert.equal(tracker.line(20_000).connections[0]?.eventsPerSec, 5);
});

Deno.test("formatStatus() writes one readable line with every number", () => {
  const { source, conns, lag } = fakeSource();
  const tracker = new StatusTracker(source, 0);
  conns.a.events = 1200;
  lag.a.record(12);
  assert.equal(
    formatStatus(tracker.line(60_000)),
    "status: 20 ev/s, 3/5 in sync, 1 resyncing, 1 stale, 4 gaps today, " +
      "lag p50 11.81 ms p99 11.81 ms, weight 250/6000, 3.0 MiB today" +
      " | conn 1: 20 ev/s, 3/3 in sync, 0 resyncing, 0 gaps, lag p50 11.81 ms p99 11.81 ms" +
      " | conn 2: 0 ev/s, 0/2 in sync, 1 resyncing, 4 gaps, lag -",
  );
});

Deno.test("formatBytes() uses binary units", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(5 * 1024 ** 4), "5.0 TiB");
  assert.equal(formatBytes(2 * 1024 ** 5), "2048.0 TiB");
});

Deno.test("startStatus() logs a line each interval with structured fields", async () => {
  const { source, conns } = fakeSource();
  const log = captureLogs();
  let t = 0;
  const reporter = startStatus(source, log.logger, {
    intervalMs: 5,
    signal: null,
    now: () => (t += 1000),
  });
  try {
    conns.a.events = 100;
    await log.until(2);
  } finally {
    reporter.stop();
  }
  const first = log.lines[0]!;
  assert.equal(first.level, "info");
  assert.match(first.msg, /^status: /);
  assert.equal(first.fields.eventsPerSec, 100);
  assert.equal(first.fields.inSync, 3);
  assert.equal((first.fields.connections as unknown[]).length, 2);
  assert.equal(log.lines[1]!.fields.eventsPerSec, 0);
});

Deno.test("startStatus() logs a line on SIGUSR1", {
  ignore: Deno.build.os === "windows",
}, async () => {
  const { source } = fakeSource();
  const log = captureLogs();
  const reporter = startStatus(source, log.logger, { intervalMs: 3_600_000 });
  try {
    Deno.kill(Deno.pid, "SIGUSR1");
    await log.until(1);
  } finally {
    reporter.stop();
  }
  assert.match(log.lines[0]!.msg, /^status: .* 3\/5 in sync/);
});

Deno.test("startStatus() logs an error instead of throwing when the source fails", async () => {
  const log = captureLogs();
  const reporter = startStatus(
    {
      connections: () => {
        throw new Error("source broke");
      },
      totals: () => ({ restWeightUsed: 0, restWeightLimit: 0, bytesWrittenToday: 0 }),
    },
    log.logger,
    { intervalMs: 5, signal: null },
  );
  try {
    await log.until(1);
  } finally {
    reporter.stop();
  }
  assert.deepEqual(log.lines[0], {
    level: "error",
    msg: "status line failed",
    fields: { error: "Error: source broke" },
  });
  assert.throws(
    () => startStatus(fakeSource().source, log.logger, { intervalMs: 0 }),
    /Invalid status interval 0 ms/,
  );
});

Deno.test("StatusTracker.line() tells which lane delivers first and its lag, per interval", () => {
  const fast = new LatencyHistogram();
  const slow = new LatencyHistogram();
  const lanes = [
    { lane: 0, connection: 7, first: 0, repeated: 0, lag: fast.snapshot() },
    { lane: 1, connection: 8, first: 0, repeated: 0, lag: slow.snapshot() },
  ];
  const source: StatusSource = {
    connections: () => [{
      id: "1",
      events: 0,
      symbols: 1,
      inSync: 1,
      resyncing: 0,
      gapsToday: 0,
      lag: fast.snapshot(),
      lanes: lanes.map((l, i) => ({ ...l, lag: (i === 0 ? fast : slow).snapshot() })),
    }],
    totals: () => ({ restWeightUsed: 0, restWeightLimit: 3000, bytesWrittenToday: 0 }),
  };
  const tracker = new StatusTracker(source, 0);
  lanes[0]!.first = 75;
  lanes[0]!.repeated = 25;
  lanes[1]!.first = 25;
  lanes[1]!.repeated = 75;
  for (let i = 0; i < 100; i++) {
    fast.record(3);
    slow.record(40);
  }
  const line = tracker.line(10_000);
  assert.deepEqual(line.connections[0]!.lanes!.map((l) => [l.connection, l.firstShare]), [
    [7, 0.75],
    [8, 0.25],
  ]);
  assert.match(
    formatStatus(line),
    /lane 1 \(#7\) 75% first, p50 2\.\d+ ms, lane 2 \(#8\) 25% first/,
  );
  // The next interval counts only what came since, and a reopened lane (new id) from 0.
  lanes[0]!.first = 85;
  lanes[0]!.repeated = 35;
  lanes[1] = { lane: 1, connection: 9, first: 10, repeated: 10, lag: slow.snapshot() };
  const next = tracker.line(20_000).connections[0]!.lanes!;
  assert.deepEqual(next.map((l) => [l.connection, l.firstShare]), [[7, 0.5], [9, 0.5]]);
});
