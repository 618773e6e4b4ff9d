import assert from "node:assert/strict";
import { createRotateHook } from "./rotate_hook.ts";
import { captureLogs } from "../../tests/helpers/capture_logs.ts";

/** A hook script that appends its arguments, one line per run, to `$0` (the log file). */
const RECORD_ARGS = 'printf "%s|" "$@" >> "$0"; echo >> "$0"; echo "shipped $1"; echo oops >&2';

Deno.test("createRotateHook() runs the command with file and manifest appended, no shell", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const record = `${dir}/args.log`;
    const { lines, logger } = captureLogs();
    const hook = createRotateHook(["sh", "-c", RECORD_ARGS, record, "--fixed arg"], { logger });
    const odd = `${dir}/it's a "file"; $(rm -rf x) \`y\`.jsonl.gz`;
    assert.equal(hook.onRotate(`${dir}/a.jsonl.gz`, `${dir}/a.manifest.json`), true);
    assert.equal(hook.onRotate(odd, `${dir}/b.manifest.json`), true);
    await hook.idle();
    assert.equal(
      await Deno.readTextFile(record),
      `--fixed arg|${dir}/a.jsonl.gz|${dir}/a.manifest.json|\n` +
        `--fixed arg|${odd}|${dir}/b.manifest.json|\n`,
    );
    assert.deepEqual(hook.stats(), {
      queued: 0,
      running: 0,
      succeeded: 2,
      failed: 0,
      timedOut: 0,
      dropped: 0,
      deleted: 0,
    });
    assert.deepEqual(lines.map((l) => [l.level, l.msg]), [
      ["info", "rotate hook succeeded"],
      ["info", "rotate hook succeeded"],
    ]);
    assert.equal(lines[0]?.fields.stdout, "shipped --fixed arg");
    assert.equal(lines[0]?.fields.stderr, "oops");
    assert.equal(lines[0]?.fields.file, `${dir}/a.jsonl.gz`);
    assert.equal(typeof lines[0]?.fields.durationMs, "number");
    await hook.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createRotateHook() counts non-zero exits, spawn errors and timeouts as failures", async () => {
  const { lines, logger } = captureLogs();
  const failing = createRotateHook(["false"], { logger });
  failing.onRotate("f.jsonl.gz", "f.manifest.json");
  await failing.close();
  assert.equal(failing.stats().failed, 1);
  assert.equal(lines[0]?.level, "error");
  assert.equal(lines[0]?.msg, "rotate hook failed (exit: exit code 1)");
  assert.equal(lines[0]?.fields.reason, "exit");

  const missing = createRotateHook(["/nonexistent/upload-tool"], { logger });
  missing.onRotate("f.jsonl.gz", "f.manifest.json");
  await missing.close();
  assert.equal(missing.stats().failed, 1);
  assert.equal(lines[1]?.fields.reason, "spawn");

  const slow = createRotateHook(["sh", "-c", "sleep 30"], {
    logger,
    timeoutMs: 50,
    killGraceMs: 50,
  });
  slow.onRotate("f.jsonl.gz", "f.manifest.json");
  await slow.close();
  assert.deepEqual([slow.stats().failed, slow.stats().timedOut], [1, 1]);
  assert.equal(lines[2]?.msg, "rotate hook failed (timeout: killed after 50 ms)");
});

Deno.test("createRotateHook() on timeout kills what the hook started too, even if it ignores SIGTERM", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pidFile = `${dir}/grandchild.pid`;
    const script = `trap '' TERM; sleep 30 & echo $! > "${pidFile}"; wait; sleep 30`;
    const stubborn = createRotateHook(["sh", "-c", script], { timeoutMs: 100, killGraceMs: 50 });
    stubborn.onRotate("f.jsonl.gz", "f.manifest.json");
    await stubborn.close();
    assert.deepEqual([stubborn.stats().failed, stubborn.stats().timedOut], [1, 1]);
    const pid = Number(await Deno.readTextFile(pidFile));
    assert.ok(pid > 0);
    if (Deno.build.os === "linux") {
      // Gone, or a zombie waiting for its new parent to reap it.
      const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => null);
      assert.ok(stat === null || / Z /.test(stat), `grandchild ${pid} still alive: ${stat}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createRotateHook() keeps only the first outputLimit bytes of the output", async () => {
  const { lines, logger } = captureLogs();
  const hook = createRotateHook(
    [
      "sh",
      "-c",
      "head -c 100000 /dev/zero | tr '\\0' x; head -c 50 /dev/zero | tr '\\0' y >&2; exit 3",
    ],
    { logger, outputLimit: 10 },
  );
  hook.onRotate("f", "m");
  await hook.close();
  assert.equal(lines[0]?.fields.stdout, "xxxxxxxxxx… [99990 more bytes]");
  assert.equal(lines[0]?.fields.stderr, "yyyyyyyyyy… [40 more bytes]");
  assert.equal(lines[0]?.fields.detail, "exit code 3");
});

Deno.test("createRotateHook() queues without blocking and drops beyond maxQueue", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const record = `${dir}/args.log`;
    const { lines, logger } = captureLogs();
    const hook = createRotateHook(["sh", "-c", RECORD_ARGS, record], { logger, maxQueue: 2 });
    // One runs at once, two wait, the fourth is dropped; onRotate itself returns at once.
    const accepted = ["1", "2", "3", "4"].map((n) => hook.onRotate(`${n}.gz`, `${n}.json`));
    assert.deepEqual(accepted, [true, true, true, false]);
    assert.deepEqual([hook.stats().running, hook.stats().queued, hook.stats().dropped], [1, 2, 1]);
    assert.equal(lines[0]?.msg, "rotate hook dropped 4.gz: queue full");
    await hook.close();
    assert.equal(hook.onRotate("5.gz", "5.json"), false);
    assert.equal(hook.stats().dropped, 2);
    assert.equal(
      await Deno.readTextFile(record),
      "1.gz|1.json|\n2.gz|2.json|\n3.gz|3.json|\n",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createRotateHook() runs up to `concurrency` jobs at the same time", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Each job waits (up to ~5 s) until both have started; only parallel runs can both succeed.
    const script = 'touch "$0/$1.started"; i=0; while [ $i -lt 500 ]; do ' +
      '[ "$(ls "$0" | grep -c started)" -ge 2 ] && exit 0; i=$((i+1)); sleep 0.01; done; exit 1';
    const hook = createRotateHook(["sh", "-c", script, dir], { concurrency: 2 });
    hook.onRotate("a", "a.json");
    hook.onRotate("b", "b.json");
    assert.equal(hook.stats().running, 2);
    await hook.close();
    assert.deepEqual([hook.stats().succeeded, hook.stats().failed], [2, 0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createRotateHook() rejects an empty command and bad limits", () => {
  assert.throws(() => createRotateHook([]), /Invalid rotate hook \[\]: expected a command first/);
  assert.throws(() => createRotateHook([""]), /Invalid rotate hook/);
  assert.throws(() => createRotateHook(["x"], { concurrency: 0 }), /concurrency 0/);
  assert.throws(() => createRotateHook(["x"], { maxQueue: -1 }), /queue size -1/);
  assert.throws(
    () => createRotateHook(["x"], { retention: { dataDir: ".", days: 0 } }),
    /Invalid retention 0 days/,
  );
});

/** A data directory with day files: `[symbol/day, has manifest, has marker]`. */
async function dataDirWith(files: Array<[string, boolean, boolean]>): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const [name, manifest, marker] of files) {
    await Deno.mkdir(`${dir}/${name.split("/")[0]}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/${name}_dom.jsonl.gz`, name);
    if (manifest) await Deno.writeTextFile(`${dir}/${name}_dom.manifest.json`, "{}");
    if (marker) await Deno.writeTextFile(`${dir}/${name}_dom.hooked`, "{}");
  }
  return dir;
}

Deno.test("catchUp() runs the hook for finished day files without a marker, oldest first, and marks them", async () => {
  const dir = await dataDirWith([
    ["BTCUSDT/2025-07-01", true, false],
    ["BTCUSDT/2025-07-02", true, true], // hooked already
    ["BTCUSDT/2025-07-03", false, false], // not finished
    ["ETHUSDT/2025-06-30", true, false],
  ]);
  try {
    const record = `${dir}/args.log`;
    const hook = createRotateHook(["sh", "-c", 'echo "$1" >> "$0"', record]);
    assert.equal(await hook.catchUp(dir), 2);
    await hook.idle();
    assert.equal(
      await Deno.readTextFile(record),
      `${dir}/ETHUSDT/2025-06-30_dom.jsonl.gz\n${dir}/BTCUSDT/2025-07-01_dom.jsonl.gz\n`,
    );
    // Marked without retention too, so the next start does not run them again.
    const marker = JSON.parse(await Deno.readTextFile(`${dir}/BTCUSDT/2025-07-01_dom.hooked`));
    assert.deepEqual(marker.command, ["sh", "-c", 'echo "$1" >> "$0"', record]);
    assert.equal(await hook.catchUp(dir), 0);
    await hook.close();
    assert.equal(hook.stats().succeeded, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createRotateHook() runs a file once when it is queued twice or marked meanwhile", async () => {
  const dir = await dataDirWith([["BTCUSDT/2025-07-01", true, false], [
    "BTCUSDT/2025-07-02",
    true,
    false,
  ]]);
  try {
    const a = `${dir}/BTCUSDT/2025-07-01_dom.jsonl.gz`;
    const b = `${dir}/BTCUSDT/2025-07-02_dom.jsonl.gz`;
    const record = `${dir}/args.log`;
    // Running a's hook marks b, as another run of the hook would have: b is then skipped.
    const script =
      `echo "$1" >> "$0"; [ "$1" = '${a}' ] && echo '{}' > '${dir}/BTCUSDT/2025-07-02_dom.hooked'; true`;
    const { lines, logger } = captureLogs();
    const hook = createRotateHook(["sh", "-c", script, record], { logger });
    assert.equal(hook.onRotate(a, "m"), true);
    assert.equal(hook.onRotate(b, "m"), true);
    assert.equal(hook.onRotate(a, "m"), true, "already running: not queued again");
    assert.equal(await hook.catchUp(dir), 0, "both pending");
    await hook.idle();
    assert.equal(await Deno.readTextFile(record), `${a}\n`);
    assert.deepEqual(lines.map((l) => l.msg), [
      "rotate hook succeeded",
      "rotate hook skipped: already done for this file",
    ]);
    await hook.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("catchUp() stops at a full queue and leaves the rest for the next start", async () => {
  const dir = await dataDirWith([
    ["BTCUSDT/2025-07-01", true, false],
    ["BTCUSDT/2025-07-02", true, false],
    ["BTCUSDT/2025-07-03", true, false],
  ]);
  try {
    const { lines, logger } = captureLogs();
    const hook = createRotateHook(["true"], { logger, maxQueue: 1 });
    // One runs at once, one waits: the third does not fit.
    assert.equal(await hook.catchUp(dir), 2);
    await hook.close();
    assert.equal(hook.stats().dropped, 0, "no file dropped with an error");
    const full = lines.find((l) => l.level === "warn");
    assert.equal(
      full?.msg,
      "rotate hook queue full: the other unhooked files wait for the next start",
    );
    assert.equal(full?.fields.left, 1);
    assert.ok(
      !(await Deno.stat(`${dir}/BTCUSDT/2025-07-03_dom.hooked`).then(() => true, () => false)),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
