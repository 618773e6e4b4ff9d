/**
 * Alerts end to end: `collector run` (the real entry point, with the collector's permissions)
 * against the simulator posts to a local webhook: the start alert retried through 503s, free
 * disk space under the limit (measured with `df`), a symbol out of sync after both connections
 * dropped and snapshots throttled, back in sync, and the clean stop. Slack and Telegram get their
 * bodies; a webhook that never answers does not slow recording or the stop.
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { until } from "./helpers/collector_harness.ts";
import { startSimulator } from "../lib/simulator/simulator.ts";
import { recordingPath } from "../lib/recording/records.ts";
import { simulatorArgs, spawnRun } from "./helpers/collector_process.ts";

const TODAY = () => new Date().toISOString().slice(0, 10);

/** A webhook on 127.0.0.1 that keeps what it is sent: 503 for the first `failures`, or no answer. */
function webhook(options: { failures?: number; hang?: boolean } = {}) {
  const posts: { path: string; body: Record<string, unknown> }[] = [];
  let requests = 0;
  const release = Promise.withResolvers<void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    requests++;
    const body = await req.json();
    if (options.hang) {
      await release.promise; // at the end of the test
      return new Response("late");
    }
    if (requests <= (options.failures ?? 0)) return new Response("down", { status: 503 });
    posts.push({ path: new URL(req.url).pathname, body });
    return new Response("ok");
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    posts,
    requests: () => requests,
    kinds: () => posts.map((p) => p.body.kind),
    async [Symbol.asyncDispose]() {
      release.resolve();
      await server.shutdown();
    },
  };
}

async function tempDir() {
  const path = await Deno.makeTempDir({ prefix: "ops_alerts_" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** SIGTERM, unless it already exited (then its exit code and stderr tell why). */
function stop(collector: { child: Deno.ChildProcess }): void {
  try {
    collector.child.kill("SIGTERM");
  } catch { /* exited */ }
}

function run(sim: { wsUrl: string; url: string }, dataDir: string, alerts: unknown) {
  return spawnRun([
    ...simulatorArgs(sim, dataDir, ["BTCUSDT"]),
    ...["--snapshot-limit", "100", "--reconnect-base-ms", "50", "--reconnect-max-ms", "200"],
    ...["--status-interval-ms", "0", "--clock-check-interval-ms", "0"],
    ...["--alerts", JSON.stringify(alerts)],
  ]);
}

Deno.test("collector run posts start (retried), low disk, out of sync, back in sync and stop", async () => {
  await using sim = await startSimulator({ symbols: ["BTCUSDT"], quiet: true, levelsPerSide: 20 });
  await using data = await tempDir();
  await using hook = webhook({ failures: 2 });
  const collector = run(sim, data.path, {
    webhook: `${hook.url}/alerts`,
    host: "e2e",
    outOfSyncMs: 1000,
    minFreeBytes: 2 ** 52, // more than any disk: the alert must come
  });
  let dropped = 0;
  try {
    // 503, 503, then 200 after the 1 s and 2 s backoff.
    await until("the start alert", () => hook.kinds().includes("start"), 15_000);
    assert.equal(hook.posts[0]!.body.kind, "start", "first, and delivered once");
    assert.ok(hook.requests() >= 3);
    await until("the disk alert", () => hook.kinds().includes("disk-space-low"), 10_000);
    const file = `${data.path}/${recordingPath("BTCUSDT", TODAY())}`;
    await until("recording", () => (Deno.statSync(file).size ?? 0) > 0, 10_000).catch(() => {
      throw new Error(`no recording: ${collector.stderr.join("")}`);
    });
    // Both connections gone and no snapshot for 3 s: out of sync for over 1 s.
    sim.throttleSnapshots(3000);
    dropped = Date.now();
    sim.dropConnections();
    await until("out of sync", () => hook.kinds().includes("out-of-sync"), 15_000);
    await until("back in sync", () => hook.kinds().includes("back-in-sync"), 15_000);
  } finally {
    stop(collector);
  }
  const status = await collector.done;
  assert.equal(status.code, 0, collector.stderr.join(""));
  assert.equal(hook.kinds().at(-1), "stop", `posted before the exit: ${hook.kinds()}`);

  const byKind = (kind: string) => hook.posts.find((p) => p.body.kind === kind)!.body;
  const start = byKind("start");
  assert.equal(hook.posts[0]!.path, "/alerts");
  assert.equal(start.severity, "info");
  assert.equal(start.host, "e2e");
  assert.match(String(start.text), /^collector started \(version .+\): recording BTCUSDT into /);
  assert.match(String(start.at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const disk = byKind("disk-space-low");
  assert.equal(disk.severity, "critical");
  assert.ok((disk.fields as { freeBytes: number }).freeBytes > 0, "measured by df");
  const out = hook.posts.filter((p) => p.body.kind === "out-of-sync").at(-1)!.body;
  assert.equal(out.symbol, "BTCUSDT");
  assert.match(String(out.text), /^BTCUSDT out of sync for \d+ s \((stale|resyncing)/);
  assert.ok(Date.parse(String(out.at)) >= dropped, "after the drop");
  assert.match(String(byKind("stop").text), /^collector stopping after /);
});

Deno.test("collector run posts slack and telegram bodies, and never logs the webhook's secret", async () => {
  await using sim = await startSimulator({ symbols: ["BTCUSDT"], quiet: true, levelsPerSide: 20 });
  for (const format of ["slack", "telegram"] as const) {
    await using data = await tempDir();
    await using hook = webhook();
    const path = format === "telegram" ? "/bot123:SECRET/sendMessage" : "/services/T0/B0/SECRET";
    const collector = run(sim, data.path, {
      webhook: `${hook.url}${path}`,
      format,
      ...(format === "telegram" ? { chatId: -100123 } : {}),
      minFreeBytes: 0,
    });
    try {
      await until(`${format}: the start alert`, () => hook.posts.length === 1, 15_000).catch(
        (error) => {
          throw new Error(`${error.message}: ${collector.stderr.join("")}`);
        },
      );
    } finally {
      stop(collector);
    }
    assert.equal((await collector.done).code, 0, collector.stderr.join(""));
    assert.equal(hook.posts.length, 2, "start and stop");
    for (const { path: got, body } of hook.posts) {
      assert.equal(got, path);
      if (format === "slack") assert.deepEqual(Object.keys(body), ["text"]);
      else {
        assert.deepEqual(Object.keys(body).sort(), ["chat_id", "disable_web_page_preview", "text"]);
        assert.equal(body.chat_id, -100123);
      }
    }
    assert.match(String(hook.posts[0]!.body.text), /^ℹ️ collector started/);
    assert.match(String(hook.posts[1]!.body.text), /^ℹ️ collector stopping/);
    const stderr = collector.stderr.join("");
    assert.ok(stderr.includes(`alerts to 127.0.0.1`), stderr);
    assert.ok(!stderr.includes("SECRET"), stderr);
  }
});

Deno.test("a webhook that never answers neither stops recording nor holds up the stop", async () => {
  await using sim = await startSimulator({ symbols: ["BTCUSDT"], quiet: true, levelsPerSide: 20 });
  await using data = await tempDir();
  await using hook = webhook({ hang: true });
  const collector = run(sim, data.path, { webhook: `${hook.url}/hook`, minFreeBytes: 2 ** 52 });
  const file = `${data.path}/${recordingPath("BTCUSDT", TODAY())}`;
  const size = () => {
    try {
      return Deno.statSync(file).size;
    } catch {
      return 0;
    }
  };
  let stopAsked = 0;
  try {
    await until("the first post", () => hook.requests() === 1, 10_000);
    await until("recording", () => size() > 0, 10_000);
    const first = size();
    await until("the file growing while the post hangs", () => size() > first, 10_000);
  } finally {
    stopAsked = Date.now();
    stop(collector);
  }
  assert.equal((await collector.done).code, 0, collector.stderr.join(""));
  const stopMs = Date.now() - stopAsked;
  assert.ok(stopMs < 6000, `stopped in ${stopMs} ms`);
  assert.equal(hook.requests(), 1, "one request at a time: the rest waited, then were dropped");
  const stderr = collector.stderr.join("");
  assert.match(stderr, /alert\(s\) not sent at shutdown/);
  const lines = new TextDecoder().decode(gunzipSync(await Deno.readFile(file))).split("\n");
  const events = lines.filter((l) => l.includes('"type":"depthUpdate"')).length;
  assert.ok(events > 5, `events recorded: ${events}`);
});
