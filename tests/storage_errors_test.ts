import assert from "node:assert/strict";
import { type Logger, silentLogger } from "../lib/util/log.ts";
import { captureLogs } from "./helpers/capture_logs.ts";
import { Recorder, type RecorderOptions } from "../lib/storage/recorder.ts";
import { findRecordings } from "../lib/verify/find_recordings.ts";
import { verifyFiles } from "../lib/verify/verify_files.ts";
import {
  checkWithStandardTools,
  FeedWriter,
  loadBtcusdt,
  mountTmpfs,
  mountTmpfsUntilCleanup,
  pathsHeldUnder,
  readRecords,
  replayRecords,
  unmount,
  withCleanup,
} from "./helpers/storage_fixture.ts";

const feed = await loadBtcusdt();
/** Whether a tmpfs can be mounted here (as root). */
const canMount = await withCleanup(async (cleanup) => {
  const dir = await Deno.makeTempDir();
  cleanup.defer(() => Deno.remove(dir));
  if (!(await mountTmpfs(dir, "size=64k"))) return false;
  cleanup.defer(() => unmount(dir));
  return true;
});
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const FILE = "BTCUSDT/2025-06-25_dom.jsonl.gz";

function options(dataDir: string, log: Logger, more: Partial<RecorderOptions> = {}) {
  return {
    dataDir,
    collectorVersion: "test",
    streamName: (s: string) => `${s.toLowerCase()}@depth@100ms`,
    flushIntervalMs: 10,
    maxMemberBytes: 8 * 1024,
    log,
    ...more,
  } satisfies RecorderOptions;
}

/** Writes into a new file at `path` until the file system is full; returns the error. */
async function fillDisk(path: string): Promise<unknown> {
  using filler = await Deno.open(path, { write: true, create: true });
  try {
    while (true) await filler.write(new Uint8Array(16 * 1024));
  } catch (error) {
    return error;
  }
}

/** Writes `rounds` x `count` events, letting the recorder's timers run in between. */
async function feedFor(writer: FeedWriter, recorder: Recorder, rounds: number, count = 5) {
  for (let i = 0; i < rounds; i++) {
    writer.write(recorder, count);
    await sleep(2);
  }
}

Deno.test({
  name: "Recorder keeps a readable file through a full disk and records the loss as a gap",
  ignore: !canMount,
  fn: () =>
    withCleanup(async (cleanup) => {
      const dataDir = await Deno.makeTempDir({ prefix: "storage_full_" });
      cleanup.defer(() => Deno.remove(dataDir, { recursive: true }));
      await mountTmpfsUntilCleanup(cleanup, dataDir, "size=1m");
      const { lines: logs, logger } = captureLogs();
      const recorder = await Recorder.open(options(dataDir, logger));
      cleanup.defer(() => recorder.close());
      const writer = new FeedWriter(feed);
      await feedFor(writer, recorder, 20);
      await recorder.flush();
      assert.match(String(await fillDisk(`${dataDir}/filler`)), /space/i);
      await feedFor(writer, recorder, 40);
      assert.ok(recorder.stats.writeErrors > 0, "writes failed");
      assert.ok(recorder.stats.droppedRecords > 0, "records were dropped");
      // Readable up to the failure while the disk is full. Flushed first: a write in progress
      // may show a partial member until it fails and is cut back (no reader can rule that out).
      await recorder.flush();
      await checkWithStandardTools([`${dataDir}/${FILE}`]);
      await Deno.remove(`${dataDir}/filler`);
      await feedFor(writer, recorder, 40);
      await recorder.close(() => writer.current());
      assert.deepEqual(pathsHeldUnder(dataDir), [], "close() closed every file, after ENOSPC too");

      await checkWithStandardTools([`${dataDir}/${FILE}`]);
      const records = await readRecords(`${dataDir}/${FILE}`);
      const replay = replayRecords(records);
      assert.ok(replay.gaps.includes("write-error"), `gaps: ${replay.gaps}`);
      assert.deepEqual(replay.book, writer.book.snapshot(), "resynchronized after the gap");
      const gap = records.findIndex((r) => r.reason === "write-error");
      assert.equal(records[gap + 1]!.type, "snapshot", "a book snapshot follows the gap");
      assert.ok(logs.some((l) => l.level === "error" && /Cannot write/.test(l.msg)));
      assert.ok(logs.some((l) => /works again/.test(l.msg)));
    }),
});

Deno.test({
  name: "Recorder retries a read-only symbol directory and records the loss as a gap",
  ignore: !canMount,
  fn: () =>
    withCleanup(async (cleanup) => {
      const dataDir = await Deno.makeTempDir({ prefix: "storage_readonly_" });
      cleanup.defer(() => Deno.remove(dataDir, { recursive: true }));
      const ethDir = `${dataDir}/ETHUSDT`;
      await Deno.mkdir(ethDir);
      await mountTmpfsUntilCleanup(cleanup, ethDir, "ro,size=1m");
      const { lines: logs, logger } = captureLogs();
      const recorder = await Recorder.open(options(dataDir, logger));
      cleanup.defer(() => recorder.close());
      const btc = new FeedWriter(feed);
      const eth = new FeedWriter(feed, { symbol: "ETHUSDT" });
      for (let i = 0; i < 30; i++) {
        btc.write(recorder, 5);
        eth.write(recorder, 5);
        await sleep(2);
      }
      assert.ok(recorder.stats.writeErrors > 0);
      assert.ok(
        logs.some((l) => l.level === "error" && /ETHUSDT.*(read-only|Read-only)/i.test(l.msg)),
      );
      const { code } = await new Deno.Command("mount", { args: ["-o", "remount,rw", ethDir] })
        .output();
      assert.equal(code, 0);
      for (let i = 0; i < 30; i++) {
        btc.write(recorder, 5);
        eth.write(recorder, 5);
        await sleep(2);
      }
      await recorder.close(() => btc.current());
      assert.deepEqual(pathsHeldUnder(dataDir), [], "close() closed every file");
      const paths = [`${dataDir}/${FILE}`, `${ethDir}/2025-06-25_dom.jsonl.gz`];
      await checkWithStandardTools(paths);
      const [btcRecords, ethRecords] = await Promise.all(paths.map(readRecords));
      assert.deepEqual(replayRecords(btcRecords!).gaps, ["start"], "BTCUSDT was not affected");
      assert.ok(replayRecords(ethRecords!).gaps.includes("write-error"));
      assert.equal(ethRecords![0]!.type, "header");
    }),
});

Deno.test("Recorder recreates a symbol directory removed underneath", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "storage_removed_" });
  try {
    const { lines: logs, logger } = captureLogs();
    const recorder = await Recorder.open(options(dataDir, logger));
    const writer = new FeedWriter(feed);
    await feedFor(writer, recorder, 20);
    await Deno.remove(`${dataDir}/BTCUSDT`, { recursive: true });
    await feedFor(writer, recorder, 60);
    await recorder.close(() => writer.current());
    await checkWithStandardTools([`${dataDir}/${FILE}`]);
    const records = await readRecords(`${dataDir}/${FILE}`);
    assert.equal(records[0]!.type, "header");
    const replay = replayRecords(records);
    assert.deepEqual(replay.gaps, ["write-error"]);
    assert.deepEqual(replay.book, writer.book.snapshot());
    assert.ok(logs.some((l) => l.level === "error"));
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("Recorder cuts back a failed write and continues after a write-error gap", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "storage_eio_" });
  try {
    let calls = 0;
    const recorder = await Recorder.open(options(dataDir, silentLogger, {
      beforeWrite: async (path) => {
        calls++;
        if (calls >= 5 && calls < 9) {
          // A partial member reaches the file before the failure.
          await Deno.writeFile(path, new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2]), { append: true });
          throw new Error("Input/output error (os error 5)");
        }
      },
    }));
    const writer = new FeedWriter(feed);
    await feedFor(writer, recorder, 60);
    await recorder.close(() => writer.current());
    assert.equal(recorder.stats.writeErrors, 4);
    await checkWithStandardTools([`${dataDir}/${FILE}`]);
    const replay = replayRecords(await readRecords(`${dataDir}/${FILE}`));
    assert.deepEqual(replay.gaps, ["start", "write-error"]);
    assert.deepEqual(replay.book, writer.book.snapshot());
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("Recorder bounds memory on a slow disk: drops events and records an overflow gap", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "storage_slow_" });
  try {
    const cap = 200_000;
    const recorder = await Recorder.open(options(dataDir, silentLogger, {
      maxPendingBytes: cap,
      beforeWrite: () => sleep(50),
    }));
    const writer = new FeedWriter(feed);
    let peak = 0;
    while (writer.write(recorder, 20)) {
      peak = Math.max(peak, recorder.stats.pendingBytes);
      await sleep(1);
    }
    await recorder.close(() => writer.current());
    const snapshotChars = JSON.stringify(writer.book.snapshot()).length;
    assert.ok(peak <= cap + 2 * snapshotChars, `peak ${peak} within the cap`);
    assert.ok(recorder.stats.droppedRecords > 0);
    await checkWithStandardTools([`${dataDir}/${FILE}`]);
    const records = await readRecords(`${dataDir}/${FILE}`);
    const replay = replayRecords(records);
    assert.ok(replay.gaps.includes("overflow"));
    const written = records.filter((r) => r.type === "depthUpdate").length;
    assert.equal(written + recorder.stats.droppedRecords, feed.events.length);
    assert.deepEqual(replay.book, writer.book.snapshot());
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("Recorder.close() records a loss still open at the stop once a last retry works", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "storage_eio_close_" });
  try {
    let calls = 0;
    let healthy = false;
    const recorder = await Recorder.open(options(dataDir, silentLogger, {
      beforeWrite: () => {
        if (++calls >= 3 && !healthy) throw new Error("Input/output error (os error 5)");
      },
    }));
    const writer = new FeedWriter(feed);
    await feedFor(writer, recorder, 30);
    assert.ok(recorder.stats.writeErrors > 0);
    healthy = true;
    await recorder.close(() => writer.current());
    await checkWithStandardTools([`${dataDir}/${FILE}`]);
    const records = await readRecords(`${dataDir}/${FILE}`);
    assert.deepEqual(records.slice(-2).map((r) => [r.type, r.reason ?? r.source]), [
      ["gap", "write-error"],
      ["snapshot", "book"],
    ]);
    assert.deepEqual(replayRecords(records).book, writer.book.snapshot());
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

/**
 * A `beforeWrite` hook whose next write, once armed, is held until the test fails it: the test
 * can act while that write is in flight, with no timing involved.
 */
function heldWrite(options: { thenFailAll?: boolean } = {}) {
  let armed = false;
  let broken = false;
  let entered: () => void = () => {};
  let fail: (error: Error) => void = () => {};
  const inWrite = new Promise<void>((resolve) => (entered = resolve));
  return {
    /** Holds the next member write. */
    arm: () => (armed = true),
    /** Resolves once the held write has begun. */
    inWrite,
    /** Fails the held write. */
    fail: () => fail(new Error("Input/output error (os error 5)")),
    beforeWrite: (): Promise<void> | void => {
      if (broken) throw new Error("Input/output error (os error 5)");
      if (!armed) return;
      armed = false;
      broken = options.thenFailAll ?? false;
      entered();
      return new Promise<void>((_, reject) => (fail = reject));
    },
  };
}

/** The gaps `collector verify` reports for one file, and whether it takes the file as whole. */
async function verifiedGaps(dataDir: string, path: string) {
  const report = await verifyFiles(await findRecordings([dataDir]));
  const file = report.files.find((f) => f.path.endsWith(path));
  assert.ok(file, `verify found ${path}`);
  return { status: file.status, gaps: file.gaps.map((g) => [g.reason, g.detail]) };
}

Deno.test("Recorder.close() marks records lost by a write failing while close() adds its final records", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "storage_eio_closing_" });
  try {
    const held = heldWrite();
    const recorder = await Recorder.open(options(dataDir, silentLogger, {
      beforeWrite: held.beforeWrite,
    }));
    const writer = new FeedWriter(feed);
    writer.write(recorder, 50);
    await recorder.flush();
    writer.write(recorder, 50);
    held.arm();
    const flushed = recorder.flush();
    await held.inWrite; // the member of the last 50 events is being written
    const closed = recorder.close(() => writer.current()); // adds the final snapshot meanwhile
    held.fail();
    await Promise.all([flushed, closed]);

    await checkWithStandardTools([`${dataDir}/${FILE}`]);
    const records = await readRecords(`${dataDir}/${FILE}`);
    assert.deepEqual(records.slice(-2).map((r) => [r.type, r.reason ?? r.source]), [
      ["gap", "write-error"],
      ["snapshot", "book"],
    ]);
    assert.equal(records.at(-2)!.detail, "50 records dropped");
    const lastWritten = records.filter((r) => r.type === "depthUpdate").at(-1)!.u;
    assert.equal(records.at(-2)!.lastUpdateId, lastWritten, "the last update id on disk");
    assert.deepEqual(replayRecords(records).book, writer.book.snapshot());
    assert.equal(recorder.stats.writeErrors, 1);
    assert.equal(recorder.stats.droppedRecords, 50, "the 50 events; the final snapshot is written");
    assert.deepEqual(await verifiedGaps(dataDir, FILE), {
      status: "whole",
      gaps: [["start", "no book known when the file began"], [
        "write-error",
        "50 records dropped",
      ]],
    });
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("Recorder marks records lost by a write failing while a day rotation ends the file", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "storage_eio_rotating_" });
  try {
    const held = heldWrite();
    const recorder = await Recorder.open(options(dataDir, silentLogger, {
      beforeWrite: held.beforeWrite,
    }));
    // Events 0-99 fall on 2025-06-25, event 100 opens 2025-06-26.
    const midnight = Date.UTC(2025, 5, 26);
    const baseE = midnight - (feed.events[100]!.E - feed.events[0]!.E);
    const writer = new FeedWriter(feed, { baseE });
    writer.write(recorder, 50);
    await recorder.flush();
    writer.write(recorder, 50);
    held.arm();
    const flushed = recorder.flush();
    await held.inWrite;
    writer.write(recorder, 1); // rotates: the old file gets its final snapshot meanwhile
    held.fail();
    await flushed;
    writer.write(recorder, 49);
    await recorder.close(() => writer.current());

    const paths = [FILE, "BTCUSDT/2025-06-26_dom.jsonl.gz"].map((p) => `${dataDir}/${p}`);
    await checkWithStandardTools(paths);
    const [oldDay, newDay] = await Promise.all(paths.map(readRecords));
    assert.deepEqual(oldDay!.slice(-2).map((r) => [r.type, r.reason ?? r.source]), [
      ["gap", "write-error"],
      ["snapshot", "book"],
    ]);
    assert.equal(oldDay!.at(-2)!.detail, "50 records dropped");
    assert.deepEqual(newDay!.slice(0, 2).map((r) => r.type), ["header", "snapshot"]);
    assert.deepEqual(replayRecords(newDay!).book, writer.book.snapshot());
    const report = await verifyFiles(await findRecordings([dataDir]));
    assert.equal(report.exitCode, 0, JSON.stringify(report.files.map((f) => f.problems)));
    assert.deepEqual(report.files.map((f) => f.gaps.map((g) => g.reason)), [
      ["start", "write-error"],
      [],
    ]);
    assert.equal(report.files[1]!.continuity?.status, "continues");
    assert.ok(report.files[0]!.manifest, "the finished day has its manifest");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("Recorder.close() logs records it lost when a file can no longer be written at all", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "storage_eio_unwritable_" });
  try {
    const held = heldWrite({ thenFailAll: true });
    const { lines: logs, logger } = captureLogs();
    const recorder = await Recorder.open(options(dataDir, logger, {
      beforeWrite: held.beforeWrite,
    }));
    const writer = new FeedWriter(feed);
    writer.write(recorder, 50);
    await recorder.flush();
    writer.write(recorder, 50);
    held.arm();
    const flushed = recorder.flush();
    await held.inWrite;
    const closed = recorder.close(() => writer.current());
    held.fail();
    await Promise.all([flushed, closed]);

    assert.deepEqual(pathsHeldUnder(dataDir), [], "close() closed the file");
    await checkWithStandardTools([`${dataDir}/${FILE}`]);
    assert.equal(recorder.stats.droppedRecords, 50);
    const path = `${dataDir}/${FILE}`;
    const lost = logs.filter((l) => l.level === "error" && l.msg.includes(path));
    assert.ok(
      lost.some((l) => /50 records/.test(l.msg) && l.fields?.lost === 50),
      `an error names the file and the 50 lost records: ${JSON.stringify(lost)}`,
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
