import assert from "node:assert/strict";
import { Recorder } from "../lib/storage/recorder.ts";
import {
  checkWithStandardTools,
  FeedWriter,
  loadBtcusdt,
  readRecords,
  replayRecords,
} from "./helpers/storage_fixture.ts";

const feed = await loadBtcusdt();
const FILE = "BTCUSDT/2025-06-25_dom.jsonl.gz";

function open(dataDir: string, now: number): Promise<Recorder> {
  return Recorder.open({
    dataDir,
    collectorVersion: "test",
    streamName: (s) => `${s.toLowerCase()}@depth@100ms`,
    fsync: false,
    now: () => now,
  });
}

Deno.test("Recorder appends after a clean restart: header, restart gap, nothing lost", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "storage_restart_" });
  try {
    const writer = new FeedWriter(feed);
    const today = Date.UTC(2025, 5, 25, 13);
    const first = await open(dataDir, today);
    writer.write(first, 1000);
    await first.close(() => writer.current());
    assert.deepEqual(first.stats.pendingBytes, 0);
    const afterFirst = await readRecords(`${dataDir}/${FILE}`);
    assert.equal(afterFirst.at(-1)!.type, "snapshot", "clean stop ends with a checkpoint");
    assert.equal(afterFirst.at(-1)!.source, "book");
    assert.equal(afterFirst.filter((r) => r.type === "depthUpdate").length, 1000);

    const second = await open(dataDir, today);
    writer.write(second, 1000);
    await second.close(() => writer.current());
    await checkWithStandardTools([`${dataDir}/${FILE}`]);
    const records = await readRecords(`${dataDir}/${FILE}`);
    assert.deepEqual(records.slice(0, afterFirst.length), afterFirst, "nothing rewritten");
    const restart = records.slice(afterFirst.length);
    assert.deepEqual(restart.slice(0, 3).map((r) => r.type), ["header", "gap", "snapshot"]);
    assert.equal(restart[1]!.reason, "restart");
    assert.equal(restart[1]!.lastUpdateId, afterFirst.findLast((r) => r.type === "depthUpdate")!.u);
    const events = records.filter((r) => r.type === "depthUpdate");
    assert.deepEqual(events.map((r) => r.u), feed.events.slice(0, 2000).map((e) => e.u));
    const replay = replayRecords(records);
    assert.deepEqual(replay.gaps, ["start", "restart"]);
    assert.deepEqual(replay.book, writer.book.snapshot());
    // The day is not finished yet ("today"): no manifest.
    await assert.rejects(() => Deno.stat(`${dataDir}/BTCUSDT/2025-06-25_dom.manifest.json`));
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("Recorder.open() finishes days a crashed process left: tail cut, crash gap, manifest", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "storage_pastday_" });
  try {
    const writer = new FeedWriter(feed);
    const first = await open(dataDir, Date.UTC(2025, 5, 25, 13));
    writer.write(first, 500);
    await first.close(() => writer.current());
    const path = `${dataDir}/${FILE}`;
    const good = (await Deno.stat(path)).size;
    await Deno.writeFile(path, new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0]), { append: true });

    const finished: string[] = [];
    const next = await open(dataDir, Date.UTC(2025, 5, 26, 1));
    next.onFileFinished = (info) => finished.push(info.manifestPath);
    await next.close();
    assert.deepEqual(finished, [`${dataDir}/BTCUSDT/2025-06-25_dom.manifest.json`]);
    assert.equal(next.stats.tailsRepaired, 1);
    await checkWithStandardTools([path]);
    const bytes = await Deno.readFile(path);
    assert.ok(bytes.length > good);
    const records = await readRecords(path);
    assert.deepEqual(records.slice(-2).map((r) => [r.type, r.reason]), [
      ["header", undefined],
      ["gap", "crash"],
    ]);
    const manifest = JSON.parse(await Deno.readTextFile(finished[0]!));
    assert.equal(manifest.bytes, bytes.length);
    assert.equal(manifest.events, 500);
    assert.equal(manifest.gaps, 2);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("Recorder writes a book checkpoint every checkpointIntervalMs while in sync", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "storage_checkpoint_" });
  try {
    const recorder = await Recorder.open({
      dataDir,
      collectorVersion: "test",
      streamName: (s) => s,
      fsync: false,
      checkpointIntervalMs: 60_000,
      now: () => Date.UTC(2025, 5, 25, 13),
    });
    const writer = new FeedWriter(feed);
    while (writer.write(recorder, 100)) await recorder.flush();
    await recorder.close();
    const records = await readRecords(`${dataDir}/${FILE}`);
    const books = records.filter((r) => r.type === "snapshot" && r.source === "book");
    // The events span about 650 s: a checkpoint each minute once in sync.
    assert.ok(books.length >= 9 && books.length <= 12, `${books.length} checkpoints`);
    const replay = replayRecords(records);
    assert.deepEqual(replay.gaps, ["start"]);
    assert.equal(replay.applied, feed.events.length - 2);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
