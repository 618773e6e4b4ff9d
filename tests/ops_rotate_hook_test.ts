/**
 * The rotation hook end to end on a real data directory: a real command ships finished day files
 * to a "remote" folder, a failing day is kept, and retention deletes only what was shipped.
 */
import assert from "node:assert/strict";
import { createRotateHook } from "../lib/ops/rotate_hook.ts";
import { captureLogs } from "../lib/ops/testing.ts";
import { manifestPath, recordingPath } from "../lib/storage/records.ts";

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
