/**
 * The rotation hook end to end on a real data directory: a real command ships finished day files
 * to a "remote" folder, a failing day is kept, and retention deletes only what was shipped; and a
 * hook cut short by a SIGKILL of `collector run` runs again at its next start.
 */
import assert from "node:assert/strict";
import { until } from "./helpers/collector_harness.ts";
import { createRotateHook } from "../lib/ops/rotate_hook.ts";
import { captureLogs } from "./helpers/capture_logs.ts";
import { startSimulator } from "../lib/simulator/simulator.ts";
import { manifestPath, recordingPath } from "../lib/recording/records.ts";
import { simulatorArgs, spawnRun } from "./helpers/collector_process.ts";
import { gzipLines, headerLine } from "./helpers/fixtures.ts";

const NOW = Date.parse("2025-07-10T00:05:00Z");

async function tempDir() {
  const path = await Deno.makeTempDir({ prefix: "ops_hook_" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("rotate hook ships finished days, keeps failures, and retention deletes only shipped old days", async () => {
  await using data = await tempDir();
  await using remote = await tempDir();
  const days = ["2025-07-01", "2025-07-02", "2025-07-03", "2025-07-08", "2025-07-09"];
  const symbols = ["BTCUSDT", "ETHUSDT"];
  for (const symbol of symbols) {
    await Deno.mkdir(`${data.path}/${symbol}`);
    for (const day of [...days, "2025-07-10"]) {
      await Deno.writeTextFile(`${data.path}/${recordingPath(symbol, day)}`, `${symbol} ${day}`);
      await Deno.writeTextFile(`${data.path}/${manifestPath(symbol, day)}`, "{}");
    }
  }
  // The "upload": copies both files to remote/<symbol>/, refusing ETHUSDT's 2025-07-02.
  const script = 'case "$1" in *ETHUSDT/2025-07-02*) echo "remote said no" >&2; exit 7;; esac; ' +
    'd="$0/$(basename "$(dirname "$1")")"; mkdir -p "$d" && cp "$1" "$2" "$d/"';
  const { lines, logger } = captureLogs();
  const hook = createRotateHook(["sh", "-c", script, remote.path], {
    concurrency: 2,
    retention: { dataDir: data.path, days: 7, now: () => NOW },
    logger,
  });
  for (const symbol of symbols) {
    for (const day of days) {
      assert.ok(
        hook.onRotate(
          `${data.path}/${recordingPath(symbol, day)}`,
          `${data.path}/${manifestPath(symbol, day)}`,
        ),
      );
    }
  }
  await hook.close();
  assert.deepEqual(hook.stats(), {
    queued: 0,
    running: 0,
    succeeded: 9,
    failed: 1,
    timedOut: 0,
    dropped: 0,
    deleted: 9, // 2025-07-01 and -02 of BTCUSDT, 2025-07-01 of ETHUSDT, 3 files each
  });
  // Shipped copies are complete.
  assert.equal(
    await Deno.readTextFile(`${remote.path}/BTCUSDT/2025-07-01_dom.jsonl.gz`),
    "BTCUSDT 2025-07-01",
  );
  assert.ok(!(await exists(`${remote.path}/ETHUSDT/2025-07-02_dom.jsonl.gz`)));
  // Older than 7 days (before 2025-07-03) and shipped: deleted locally.
  for (const path of ["BTCUSDT/2025-07-01", "BTCUSDT/2025-07-02", "ETHUSDT/2025-07-01"]) {
    assert.ok(!(await exists(`${data.path}/${path}_dom.jsonl.gz`)), path);
    assert.ok(!(await exists(`${data.path}/${path}_dom.manifest.json`)), path);
  }
  // The failed upload stays, unmarked; recent and today's files stay.
  assert.ok(await exists(`${data.path}/ETHUSDT/2025-07-02_dom.jsonl.gz`));
  assert.ok(!(await exists(`${data.path}/ETHUSDT/2025-07-02_dom.hooked`)));
  for (const symbol of symbols) {
    for (const day of ["2025-07-03", "2025-07-08", "2025-07-09", "2025-07-10"]) {
      assert.ok(await exists(`${data.path}/${recordingPath(symbol, day)}`), `${symbol} ${day}`);
    }
    assert.ok(await exists(`${data.path}/${symbol}/2025-07-09_dom.hooked`));
  }
  const logged = lines.map((l) => `${l.level} ${l.msg}`);
  assert.equal(logged.filter((l) => l.startsWith("error rotate hook failed")).length, 1);
  assert.equal(logged.filter((l) => l.startsWith("info retention deleted")).length, 3);
});

Deno.test("a hook cut short by SIGKILL of collector run runs again at the next start", async () => {
  await using sim = await startSimulator({ symbols: ["BTCUSDT"], quiet: true, levelsPerSide: 20 });
  await using data = await tempDir();
  // Yesterday's file, left unfinished by a previous process: the next run finishes it and hooks it.
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const file = `${data.path}/${recordingPath("BTCUSDT", yesterday)}`;
  const manifest = `${data.path}/${manifestPath("BTCUSDT", yesterday)}`;
  const marker = file.replace(/\.jsonl\.gz$/, ".hooked");
  await Deno.mkdir(`${data.path}/BTCUSDT`);
  const gap = '{"type":"gap","recv":1,"lastUpdateId":null,"reason":"start"}';
  await Deno.writeFile(file, gzipLines([headerLine("BTCUSDT", yesterday, 1), gap]));
  const out = `${data.path}/hook.txt`;
  const run = (script: string) => {
    const hook = JSON.stringify(["sh", "-c", script, out]);
    return spawnRun([
      ...simulatorArgs(sim, data.path, ["BTCUSDT"]),
      ...["--snapshot-limit", "100", "--on-rotate", hook],
    ]);
  };
  const hookLines = async () =>
    (await Deno.readTextFile(out).catch(() => "")).split("\n").filter((l) => l !== "");
  let lines: string[] = [];
  const seen = async (what: string, ms = 20_000) => {
    const start = Date.now();
    while (!(lines = await hookLines()).includes(what)) {
      if (Date.now() - start > ms) throw new Error(`Timed out waiting for "${what}": ${lines}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  // First run: the hook starts (an upload that takes long) and the collector is SIGKILLed.
  const first = run('echo "$$" > "$0.pid"; echo "start $1" >> "$0"; sleep 60');
  try {
    await seen(`start ${file}`);
  } finally {
    first.child.kill("SIGKILL");
    await first.done;
    // The hook runs in its own process group, which outlives the collector: end it too.
    const pid = Number(await Deno.readTextFile(`${out}.pid`));
    try {
      Deno.kill(-pid, "SIGKILL");
    } catch { /* gone */ }
  }
  assert.ok(await exists(manifest), "the day was finished before the hook ran");
  assert.ok(!(await exists(marker)), "no marker: the hook never finished");

  // Second run: nothing is unfinished any more, but the file is not hooked: it runs now.
  const second = run('echo "done $1 $2" >> "$0"');
  try {
    await seen(`done ${file} ${manifest}`);
    await until("the marker", () => {
      try {
        Deno.statSync(marker);
        return true;
      } catch {
        return false;
      }
    });
  } finally {
    second.child.kill("SIGTERM");
  }
  assert.equal((await second.done).code, 0, second.stderr.join(""));
  assert.deepEqual(lines, [`start ${file}`, `done ${file} ${manifest}`]);
});
