import assert from "node:assert/strict";
import { DEFAULT_ALERTS } from "../cli/config_fields.ts";
import type { AlertsConfig } from "../cli/config.ts";
import { captureLogs } from "../../tests/helpers/capture_logs.ts";
import type { AlertSymbolInput } from "./alert_day.ts";
import { type AlertInput, startAlerts } from "./alerts.ts";

const T0 = Date.parse("2025-07-09T23:00:00Z");

interface Posted {
  kind: string;
  severity: string;
  symbol?: string;
  text: string;
  fields: Record<string, unknown>;
  at: string;
}

/** Alerts over a fake collector, a fake clock and a webhook that answers at once. */
function setup(config: Partial<AlertsConfig> = {}, free = 10 * 1024 ** 3) {
  const clock = { t: T0 };
  const symbols = new Map<string, AlertSymbolInput>([
    ["BTCUSDT", { state: "in-sync", since: T0, gapReasons: { start: 1 } }],
    ["ETHUSDT", { state: "in-sync", since: T0, gapReasons: { start: 1 } }],
  ]);
  const io = { bytes: 0, errors: 0, dropped: 0, free };
  const input: AlertInput = {
    symbols: () => new Map([...symbols].map(([k, s]) => [k, { ...s }])),
    bytesWritten: () => io.bytes,
    writes: () => ({ errors: io.errors, dropped: io.dropped }),
  };
  const posts: Posted[] = [];
  const { logger } = captureLogs();
  const alerts = startAlerts({ ...DEFAULT_ALERTS, webhook: "http://127.0.0.1:9/h", ...config }, {
    input,
    logger,
    dataDir: "/data",
    version: "1.2.3",
    recording: "BTCUSDT, ETHUSDT",
    now: () => clock.t,
    checkIntervalMs: 0,
    freeBytes: () => Promise.resolve(io.free),
    sender: {
      fetch: (_url, init) => {
        posts.push(JSON.parse(String(init?.body)));
        return Promise.resolve(new Response("ok"));
      },
    },
  });
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
  };
  /** Moves the clock, checks, and returns the kinds posted since the last call. */
  let seen = 0;
  const step = async (ms: number) => {
    clock.t += ms;
    alerts.check();
    await settle();
    const fresh = posts.slice(seen);
    seen = posts.length;
    return fresh;
  };
  const set = (symbol: string, s: Partial<AlertSymbolInput>) =>
    symbols.set(symbol, { ...symbols.get(symbol)!, ...s });
  return { alerts, posts, step, set, io, clock, settle };
}

Deno.test("alerts: start first, then out of sync only past outOfSyncMs, once, and back in sync", async () => {
  const t = setup({ outOfSyncMs: 60_000 });
  const first = await t.step(0);
  assert.deepEqual(first.map((p) => p.kind), ["start"]);
  assert.equal(
    first[0]!.text,
    "collector started (version 1.2.3): recording BTCUSDT, ETHUSDT into /data",
  );
  assert.equal(first[0]!.at, "2025-07-09T23:00:00.000Z");
  t.set("ETHUSDT", { state: "stale", since: T0 + 1000, detail: "disconnect" });
  assert.deepEqual(await t.step(30_000), []);
  // Stale, then resyncing: one episode, counted from when it left sync.
  t.set("ETHUSDT", { state: "resyncing", since: T0 + 40_000, detail: "disconnect" });
  assert.deepEqual(await t.step(30_000), []);
  const [alert] = await t.step(1000);
  assert.equal(alert!.kind, "out-of-sync");
  assert.equal(alert!.symbol, "ETHUSDT");
  assert.equal(alert!.severity, "warning");
  assert.equal(
    alert!.text,
    "ETHUSDT out of sync for 60 s (resyncing: disconnect, since 23:00:01 UTC)",
  );
  assert.deepEqual(alert!.fields.symbols, ["ETHUSDT"]);
  assert.deepEqual(await t.step(120_000), [], "once per episode");
  t.set("ETHUSDT", { state: "in-sync", since: t.clock.t });
  const [back] = await t.step(1000);
  assert.equal(back!.kind, "back-in-sync");
  assert.equal(back!.text, "ETHUSDT back in sync");
});

Deno.test("alerts: symbols out of sync together make one alert; a flapping one is rate limited", async () => {
  const t = setup({ outOfSyncMs: 10_000, repeatAfterMs: 900_000 });
  await t.step(0);
  for (const s of ["BTCUSDT", "ETHUSDT"]) {
    t.set(s, { state: "stale", since: T0, detail: "disconnect" });
  }
  const [both] = await t.step(10_000);
  assert.equal(both!.symbol, undefined);
  assert.equal(
    both!.text,
    "2 symbols out of sync for over 10 s: BTCUSDT (stale: disconnect), ETHUSDT (stale: disconnect)",
  );
  for (const s of ["BTCUSDT", "ETHUSDT"]) t.set(s, { state: "in-sync", since: t.clock.t });
  assert.deepEqual((await t.step(1000)).map((p) => p.kind), ["back-in-sync"]);
  // ETHUSDT flaps: out again within 15 min, held back; after 15 min it goes, with the count.
  t.set("ETHUSDT", { state: "resyncing", since: t.clock.t, detail: "sequence" });
  assert.deepEqual(await t.step(20_000), []);
  t.set("ETHUSDT", { state: "in-sync", since: t.clock.t });
  assert.deepEqual(await t.step(1000), [], "no back-in-sync for an alert never sent");
  t.set("ETHUSDT", { state: "resyncing", since: t.clock.t + 900_000, detail: "sequence" });
  const [again] = await t.step(920_000);
  assert.equal(again!.kind, "out-of-sync");
  assert.match(again!.text, /\n\(1 similar alert\(s\) suppressed before this one\)$/);
  assert.equal(again!.fields.suppressed, 1);
});

Deno.test("alerts: more gaps in an hour than gapsPerHour, not counting start-up's", async () => {
  const t = setup({ gapsPerHour: 3, dailySummary: false });
  await t.step(0);
  t.set("BTCUSDT", { gapReasons: { start: 1, disconnect: 2 } });
  t.set("ETHUSDT", { gapReasons: { start: 1, restart: 5, sequence: 1 } });
  assert.deepEqual(await t.step(60_000), [], "3 is not over 3");
  t.set("ETHUSDT", { gapReasons: { start: 1, restart: 5, sequence: 3 } });
  const [a] = await t.step(60_000);
  assert.equal(a!.kind, "gap-rate");
  assert.equal(a!.text, "5 gaps in the last hour (limit 3), 2 symbol(s): ETHUSDT 3, BTCUSDT 2");
  // An hour later the old gaps have left the window.
  t.set("BTCUSDT", { gapReasons: { start: 1, disconnect: 3 } });
  assert.deepEqual(await t.step(3_600_000), []);
});

Deno.test("alerts: write errors at once, critical, with the records dropped", async () => {
  const t = setup();
  await t.step(0);
  t.io.errors = 2;
  t.io.dropped = 150;
  const [a] = await t.step(10_000);
  assert.equal(a!.kind, "write-errors");
  assert.equal(a!.severity, "critical");
  assert.equal(
    a!.text,
    "2 failed write(s) of recording files (2 since start-up), 150 record(s) dropped: data is being lost",
  );
  assert.deepEqual(await t.step(10_000), [], "nothing new");
});

Deno.test("alerts: disk space under minFreeBytes, repeated while low, and ok again", async () => {
  const t = setup(
    { minFreeBytes: 1024 ** 3, diskCheckIntervalMs: 60_000, repeatAfterMs: 600_000 },
    512 * 1024 ** 2,
  );
  const first = await t.step(0);
  assert.deepEqual(first.map((p) => p.kind), ["start", "disk-space-low"]);
  assert.equal(first[1]!.text, "disk space low: 512.0 MiB free for /data (limit 1.0 GiB)");
  assert.equal(first[1]!.fields.freeBytes, 512 * 1024 ** 2);
  assert.deepEqual(await t.step(60_000), [], "still low: not again before repeatAfterMs");
  const again = await t.step(540_000);
  assert.match(again[0]!.text, /disk space low.*\n\(1 similar/);
  t.io.free = 1.05 * 1024 ** 3;
  assert.deepEqual(await t.step(60_000), [], "just over the limit: not yet ok (10 % margin)");
  t.io.free = 5 * 1024 ** 3;
  assert.deepEqual((await t.step(60_000)).map((p) => p.kind), ["disk-space-ok"]);
});

Deno.test("alerts: a daily summary of the UTC day that ended, after the files finished", async () => {
  const t = setup({ gapsPerHour: 0, outOfSyncMs: 3_600_000 }); // starts at 23:00 UTC
  await t.step(0);
  t.io.bytes = 3 * 1024 ** 2;
  t.set("ETHUSDT", {
    state: "resyncing",
    since: t.clock.t,
    detail: "sequence",
    gapReasons: { start: 1, sequence: 2 },
  });
  await t.step(300_000);
  t.set("ETHUSDT", { state: "in-sync", since: t.clock.t });
  t.alerts.fileFinished("2025-07-09");
  t.alerts.fileFinished("2025-07-09");
  assert.deepEqual(
    await t.step(3_300_000),
    [],
    "00:00:00 UTC: the day ended, the summary waits a minute",
  );
  t.io.bytes = 10 * 1024 ** 2;
  const [s] = await t.step(59_000); // 00:00:59
  assert.equal(s, undefined);
  const [summary] = await t.step(1000);
  assert.equal(summary!.kind, "daily-summary");
  assert.equal(
    summary!.text,
    "daily summary 2025-07-09 (from 23:00:00 UTC): 2 symbol(s), 3.0 MiB written, 2 gap(s) (sequence 2), out of sync 5.0 min in all (ETHUSDT 5.0 min), 0 write error(s), 2 day file(s) finished; now 2/2 in sync",
  );
  assert.equal(summary!.fields.date, "2025-07-09");
  assert.deepEqual(summary!.fields.gapsBySymbol, { ETHUSDT: 2 }, "counted from the first look");
});

Deno.test("alerts: stop sends the stop alert and close waits for it", async () => {
  const t = setup();
  await t.step(0);
  t.io.bytes = 2048;
  t.clock.t += 7_200_000;
  await t.alerts.close();
  const stop = t.posts.at(-1)!;
  assert.equal(stop.kind, "stop");
  assert.equal(stop.text, "collector stopping after 2.0 h: 2 symbol(s), 2.0 KiB written");
  assert.equal(t.alerts.stats().sent, 2);
});
