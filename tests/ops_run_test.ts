/**
 * The operations wired into a running collector, against the simulator: `/metrics`, `/health` and
 * `/book` during a run with gaps and a throttled REST endpoint, clock records in the files, lag
 * corrected by the measured offset, the rotation hook at a UTC midnight; then `collector run`
 * itself: status lines in JSON and text, and a read-only data directory refused with exit 2.
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { depthStreamName } from "../lib/binance/urls.ts";
import { type CollectorConfig, DEFAULT_CONFIG } from "../lib/cli/config.ts";
import { createLogger } from "../lib/util/log.ts";
import { startCollector } from "../lib/collector/collector.ts";
import { ConnectionPacer } from "../lib/collector/connection_pacer.ts";
import { until } from "./helpers/collector_harness.ts";
import { type Operations, startOperations } from "../lib/ops/operations.ts";
import { startSimulator } from "../lib/simulator/simulator.ts";
import { Recorder } from "../lib/storage/recorder.ts";
import type { RecordingRecord } from "../lib/recording/records.ts";
import { simulatorArgs, spawnRun } from "./helpers/collector_process.ts";

const SYMBOLS = ["BTCUSDT", "ETHUSDT"];
const DAY_MS = 86_400_000;

/** Value of the series `name{labels}` in exposition text, or `null` when absent. */
function sample(text: string, series: string): number | null {
  for (const line of text.split("\n")) {
    if (line.startsWith(series + " ")) return Number(line.slice(series.length + 1));
  }
  return null;
}

async function get(addr: string, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://${addr}${path}`);
  return { status: res.status, body: await res.text() };
}

async function readRecords(path: string): Promise<RecordingRecord[]> {
  const text = new TextDecoder().decode(gunzipSync(await Deno.readFile(path)));
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

async function dayFiles(dataDir: string, symbol: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(`${dataDir}/${symbol}`)) {
    if (e.name.endsWith("_dom.jsonl.gz")) names.push(`${dataDir}/${symbol}/${e.name}`);
  }
  return names.sort();
}

Deno.test("operations: metrics, health, books, clock records and the hook move with a simulated run", async () => {
  // The exchange's clock reaches the next UTC midnight 2.5 s from now: hours ahead of ours.
  const start = Date.now();
  const midnight = (Math.floor(start / DAY_MS) + 1) * DAY_MS;
  const shift = midnight - 2500 - start;
  const today = new Date(midnight - DAY_MS).toISOString().slice(0, 10);
  await using sim = await startSimulator({
    symbols: SYMBOLS,
    quiet: true,
    levelsPerSide: 20,
    now: () => Date.now() + shift,
  });
  const dataDir = await Deno.makeTempDir({ prefix: "ops_run_" });
  const hookOut = `${dataDir}/hook.txt`;
  const logs: string[] = [];
  const log = createLogger({ level: "verbose", write: (line) => logs.push(line) });
  const config: CollectorConfig = {
    ...structuredClone(DEFAULT_CONFIG),
    symbols: SYMBOLS,
    wsUrl: sim.wsUrl,
    restUrl: sim.url,
    dataDir,
    snapshotLimit: 100,
    statusIntervalMs: 0,
    silenceTimeoutMs: 2000,
    reconnectBaseMs: 50,
    reconnectMaxMs: 400,
    metricsAddr: "127.0.0.1:0",
    redundancy: 1, // one connection: the gauge below counts it (a second lane opens 3 s later)
    clockCheckIntervalMs: 1000,
    onRotate: ["sh", "-c", 'printf "%s %s\\n" "$1" "$2" >> "$0"', hookOut],
    retentionDays: 1,
  };
  const recorder = await Recorder.open({
    dataDir,
    collectorVersion: "test",
    streamName: (s) => depthStreamName(s, "100ms"),
    flushIntervalMs: 100,
    fsync: false,
  });
  let ops: Operations | null = null;
  const collector = startCollector(config, {
    sink: recorder,
    log,
    pacer: new ConnectionPacer({ minIntervalMs: 10 }),
    clockOffsetMs: () => ops?.clockOffsetMs() ?? 0,
  });
  try {
    ops = await startOperations(config, {
      collector,
      recorder,
      logger: log,
      version: "test",
      statusSignal: null,
      healthPolicy: { maxOutOfSyncMs: 1000, maxSilenceMs: 5000 },
    });
    const addr = ops.addr!;
    const metrics = async () => (await get(addr, "/metrics")).body;
    await until("both symbols in sync and a clock check", () => {
      return collector.stats().inSync === 2 && ops!.lastClock() !== null;
    });
    await until("events and bytes", () => {
      return collector.stats().events > 20 && (recorder.bytesBySymbol.get("BTCUSDT") ?? 0) > 0;
    });

    let text = await metrics();
    const events1 = sample(text, 'collector_events_total{connection="1"}')!;
    assert.ok(events1 > 20, `events ${events1}`);
    assert.equal(sample(text, 'collector_symbols{state="in-sync"}'), 2);
    assert.equal(sample(text, "collector_connections"), 1);
    assert.ok(sample(text, 'collector_bytes_written_total{symbol="BTCUSDT"}')! > 0);
    assert.ok(sample(text, 'collector_rest_requests_total{endpoint="depth",code="200"}')! >= 2);
    // The exchange's clock is hours ahead; the lag corrected by the measured offset is not.
    const offset = sample(text, "collector_clock_offset_seconds")!;
    assert.ok(Math.abs(offset * 1000 - shift) < 200, `offset ${offset} s, shift ${shift} ms`);
    const lagP50 = sample(text, 'collector_event_lag_seconds{quantile="0.5"}')!;
    assert.ok(lagP50 > -0.05 && lagP50 < 1, `lag p50 ${lagP50} s`);
    let health = await get(addr, "/health");
    assert.equal(health.status, 200, health.body);
    assert.equal(JSON.parse(health.body).inSync, 2);

    // A withheld event: one sequence gap for ETHUSDT, none for BTCUSDT, and back in sync.
    sim.withholdNextEvent("ETHUSDT");
    const eth = collector.states().get("ETHUSDT")!;
    await until("the gap and the resync", () => eth.stats.gaps === 1 && eth.inSync);
    text = await metrics();
    assert.equal(sample(text, 'collector_gaps_total{symbol="ETHUSDT",reason="sequence"}'), 1);
    assert.equal(sample(text, 'collector_gaps_total{symbol="BTCUSDT",reason="sequence"}'), null);
    assert.ok(sample(text, 'collector_events_total{connection="1"}')! > events1);
    assert.equal(sample(text, 'collector_symbol_in_sync{symbol="ETHUSDT"}'), 1);
    assert.equal(sample(text, 'collector_snapshots_total{symbol="ETHUSDT",source="rest"}'), 2);
    assert.equal(sample(text, 'collector_snapshots_total{symbol="BTCUSDT",source="rest"}'), 1);

    // A planned replacement of the connection is counted as a rollover.
    collector.rolloverAll();
    await until("the handoff", () => collector.stats().connections.handoffsCompleted === 1);
    text = await metrics();
    assert.equal(sample(text, 'collector_reconnects_total{reason="rollover"}'), 1);
    assert.equal(sample(text, 'collector_reconnects_total{reason="drop"}'), 0);

    // The live book is the simulator's at the same update id.
    const book = JSON.parse((await get(addr, "/book/btcusdt?depth=5")).body);
    const theirs = sim.bookAt("BTCUSDT", book.lastUpdateId);
    assert.deepEqual(book.bids, theirs.bids.slice(0, 5));
    assert.deepEqual(book.asks, theirs.asks.slice(0, 5));
    assert.equal((await get(addr, "/book/XRPUSDT")).status, 404);

    // Snapshots throttled longer than a symbol may stay out of sync: 503, then healthy again.
    sim.throttleSnapshots(2500);
    sim.withholdNextEvent("BTCUSDT");
    await until("503", () => !ops!.health().ok, 5000);
    health = await get(addr, "/health");
    assert.equal(health.status, 503);
    const report = JSON.parse(health.body);
    assert.match(report.reasons.join("\n"), /symbol-out-of-sync: 1 .*\(BTCUSDT\)/);
    assert.equal(report.symbols.BTCUSDT.state, "resyncing");
    text = await metrics();
    assert.ok(sample(text, 'collector_rest_requests_total{endpoint="depth",code="429"}')! >= 1);
    assert.equal(sample(text, "collector_healthy"), 0);
    await until("healthy again", () => ops!.health().ok, 10_000).catch((e) => {
      console.log(JSON.stringify(ops!.health()), logs.slice(-30).join("\n"));
      throw e;
    });
    assert.equal((await get(addr, "/health")).status, 200);

    // The exchange's midnight passed: each symbol's first day file was finished and hooked.
    await until("the hook for both day files", () => {
      try {
        return Deno.readTextFileSync(hookOut).trim().split("\n").length >= 2;
      } catch {
        return false;
      }
    });
    text = await metrics();
    await until("the hook counted", () =>
      ops!.metrics.registry.render().includes(
        'collector_hook_runs_total{result="ok"} 2',
      ));
  } finally {
    await ops?.stop();
    await collector.stop();
    await recorder.close((symbol) => collector.books(symbol));
    await ops?.close();
  }
  try {
    // Once per finished file, with the file and its manifest; today's files were not finished.
    const lines = (await Deno.readTextFile(hookOut)).trim().split("\n").sort();
    assert.deepEqual(
      lines,
      SYMBOLS.map((s) =>
        `${dataDir}/${s}/${today}_dom.jsonl.gz ${dataDir}/${s}/${today}_dom.manifest.json`
      ),
    );
    for (const symbol of SYMBOLS) {
      await Deno.stat(`${dataDir}/${symbol}/${today}_dom.hooked`); // retention's marker
      const files = await dayFiles(dataDir, symbol);
      assert.equal(files.length, 2, files.join());
      let clocks = 0;
      for (const file of files) {
        for (const r of await readRecords(file)) {
          if (r.type !== "clock") continue;
          clocks++;
          assert.ok(Math.abs(r.offsetMs - shift) < 200, `offset ${r.offsetMs}, shift ${shift}`);
          assert.ok(r.rttMs >= 0 && r.rttMs < 1000);
        }
      }
      assert.ok(clocks >= 2, `${symbol}: ${clocks} clock records`);
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("collector run --log-format json logs status lines with fields and serves the endpoint", async () => {
  await using sim = await startSimulator({ symbols: SYMBOLS, quiet: true, levelsPerSide: 20 });
  const dataDir = await Deno.makeTempDir({ prefix: "ops_run_json_" });
  // A previous run stopped yesterday and left its day unfinished: this run finishes it at start.
  const yesterday = Date.now() - DAY_MS;
  const previous = await Recorder.open({
    dataDir,
    collectorVersion: "test",
    streamName: (s) => depthStreamName(s, "100ms"),
    fsync: false,
    now: () => yesterday,
  });
  previous.write("BTCUSDT", {
    type: "clock",
    recv: yesterday,
    serverTime: yesterday,
    offsetMs: 0,
    rttMs: 1,
  }, () => null);
  await previous.close();
  const old = `${dataDir}/BTCUSDT/${new Date(yesterday).toISOString().slice(0, 10)}_dom`;
  const hookOut = `${dataDir}/hook.txt`;
  const hook = JSON.stringify(["sh", "-c", 'printf "%s %s\\n" "$1" "$2" >> "$0"', hookOut]);
  const run = spawnRun([
    ...simulatorArgs(sim, dataDir, SYMBOLS),
    ...["--snapshot-limit", "100", "--flush-interval-ms", "100"],
    ...["--log-format", "json", "--status-interval-ms", "300", "--metrics-addr", "127.0.0.1:0"],
    ...["--on-rotate", hook],
  ]);
  const entries = () =>
    run.stderr.join("").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  try {
    const status = () =>
      entries().filter((e) => e.msg.startsWith("status: ") && e.inSync === 2 && e.eventsPerSec > 0);
    await until("a status line with both symbols in sync", () => status().length > 0, 20_000);
    const line = status()[0];
    assert.equal(line.level, "info");
    assert.equal(line.symbols, 2);
    assert.equal(line.resyncing, 0);
    assert.equal(line.gapsToday, 0);
    assert.equal(typeof line.lagP50Ms, "number");
    assert.equal(typeof line.lagP99Ms, "number");
    assert.ok(line.restWeightUsed >= 0 && line.restWeightLimit > 0);
    assert.equal(typeof line.bytesWrittenToday, "number");
    assert.equal(line.connections.length, 1);
    assert.equal(line.connections[0].id, "1");
    assert.equal(line.connections[0].inSync, 2);
    const listening = entries().find((e) => e.msg.startsWith("ops endpoint listening"));
    assert.ok(listening, run.stderr.join(""));
    assert.equal((await get(listening.addr, "/health")).status, 200);
    const text = (await get(listening.addr, "/metrics")).body;
    assert.ok(sample(text, 'collector_events_total{connection="1"}')! > 0);
    await until("bytes written", () => status().some((e) => e.bytesWrittenToday > 0));
    assert.ok(entries().some((e) => e.msg.startsWith("clock offset") && "offsetMs" in e));
  } finally {
    run.child.kill("SIGTERM");
    const code = (await run.done).code;
    const hooked = await Deno.readTextFile(hookOut).catch(() => "");
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    assert.equal(code, 0, run.stderr.join(""));
    assert.equal(hooked, `${old}.jsonl.gz ${old}.manifest.json\n`);
  }
});

Deno.test("collector run logs text status lines with key=value fields", async () => {
  await using sim = await startSimulator({ symbols: SYMBOLS, quiet: true, levelsPerSide: 20 });
  const dataDir = await Deno.makeTempDir({ prefix: "ops_run_text_" });
  const run = spawnRun([
    ...simulatorArgs(sim, dataDir, SYMBOLS),
    ...["--snapshot-limit", "100", "--status-interval-ms", "300"],
  ]);
  const pattern =
    / INFO status: [\d.]+ ev\/s, 2\/2 in sync, 0 resyncing, 0 stale, 0 gaps today, lag p50 [-\d.]+ ms p99 [-\d.]+ ms, weight \d+\/\d+, .* \| conn 1: .* eventsPerSec=[\d.]+ .*inSync=2 /;
  try {
    await until("a text status line", () => pattern.test(run.stderr.join("")), 20_000);
  } finally {
    run.child.kill("SIGTERM");
    const code = (await run.done).code;
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    assert.equal(code, 0, run.stderr.join(""));
  }
});

/** The child's exit status; SIGKILL after `ms` (a hang fails the test instead of blocking it). */
async function exitWithin(
  run: ReturnType<typeof spawnRun>,
  ms: number,
): Promise<Deno.CommandStatus> {
  const timer = setTimeout(() => run.child.kill("SIGKILL"), ms);
  try {
    return await run.done;
  } finally {
    clearTimeout(timer);
  }
}

/** A read-only tmpfs mount point, or `null` when this user cannot mount (not root). */
function mountReadOnly(): string | null {
  const dir = Deno.makeTempDirSync({ prefix: "ops_ro_" });
  try {
    const out = new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", dir],
    })
      .outputSync();
    if (out.success) return dir;
  } catch {
    // No mount program.
  }
  Deno.removeSync(dir);
  return null;
}

const readOnly = Deno.build.os === "linux" ? mountReadOnly() : null;

Deno.test({
  name: "collector run names a read-only data directory and exits 2",
  ignore: readOnly === null,
  async fn() {
    const dir = readOnly!;
    try {
      const run = spawnRun([
        "--data-dir",
        dir,
        "--symbols",
        "BTCUSDT",
        "--rest-url",
        "http://127.0.0.1:9",
      ]);
      const status = await exitWithin(run, 15_000);
      const stderr = run.stderr.join("");
      assert.equal(status.code, 2, stderr);
      assert.ok(stderr.includes(`Cannot use data directory "${dir}"`), stderr);
      assert.match(stderr, /Read-only file system/);
    } finally {
      new Deno.Command("umount", { args: [dir] }).outputSync();
      Deno.removeSync(dir);
    }
  },
});

Deno.test("collector run refuses a metrics address in use, exit 2", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const dataDir = await Deno.makeTempDir({ prefix: "ops_run_addr_" });
  try {
    const addr = `127.0.0.1:${listener.addr.port}`;
    const run = spawnRun([
      ...["--data-dir", dataDir, "--symbols", "BTCUSDT", "--rest-url", "http://127.0.0.1:9"],
      ...["--metrics-addr", addr],
    ]);
    const status = await exitWithin(run, 15_000);
    const stderr = run.stderr.join("");
    assert.equal(status.code, 2, stderr);
    assert.ok(stderr.includes(`Cannot listen on "${addr}"`), stderr);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("collector run stops on SIGTERM while the symbols are still unknown (exchange down)", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "ops_run_down_" });
  try {
    const run = spawnRun([
      ...["--data-dir", dataDir, "--symbols", "BTCUSDT", "--rest-url", "http://127.0.0.1:9"],
      ...["--metrics-addr", "127.0.0.1:0", "--clock-check-interval-ms", "100"],
    ]);
    await until("discovery failing", () => run.stderr.join("").includes("exchangeInfo failed"));
    run.child.kill("SIGTERM");
    const status = await exitWithin(run, 10_000);
    assert.equal(status.code, 0, run.stderr.join(""));
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
