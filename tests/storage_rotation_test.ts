import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Recorder } from "../lib/storage/recorder.ts";
import { validPrefixLength } from "../lib/recording/gzip_reader.ts";
import { depthUpdateRecord, type SnapshotRecord } from "../lib/recording/records.ts";
import { firstDifference, OrderBook } from "../lib/book/order_book.ts";
import type { DepthSnapshot } from "../lib/binance/types.ts";
import {
  checkWithStandardTools,
  dayFiles,
  loadBtcusdt,
  readRecords,
} from "./helpers/storage_fixture.ts";

const feed = await loadBtcusdt();
const BASE = Date.UTC(2025, 5, 25, 23, 0, 0);
/** Exchange time of the real events, stretched 300 times so that 650 s span three midnights. */
const stretch = (E: number) => BASE + (E - feed.events[0]!.E) * 300;

async function memberCount(path: string): Promise<number> {
  const { validBytes, fileBytes, members } = await validPrefixLength(path);
  assert.equal(validBytes, fileBytes, `${path} is made of intact members`);
  return members;
}

Deno.test("Recorder rotates at UTC midnight by event time into self-contained files", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "storage_rotation_" });
  try {
    let clock = BASE;
    const recorder = await Recorder.open({
      dataDir,
      collectorVersion: "test",
      streamName: (s) => `${s.toLowerCase()}@depth@100ms`,
      maxMemberBytes: 32 * 1024,
      fsync: false,
      now: () => clock,
    });
    const finished: string[] = [];
    recorder.onFileFinished = (info) => finished.push(info.date);
    const book = new OrderBook();
    let inSync = false;
    const current = (): DepthSnapshot | null => inSync ? book.snapshot() : null;
    const snapshot = feed.snapshot;
    for (const [i, event] of feed.events.entries()) {
      const E = stretch(event.E);
      clock = E + 5;
      if (i === 2) {
        const rest: SnapshotRecord = { type: "snapshot", recv: clock, ...snapshot, source: "rest" };
        recorder.write("BTCUSDT", rest, current);
        book.reset(snapshot);
        inSync = true;
      }
      recorder.write("BTCUSDT", depthUpdateRecord({ ...event, E }, clock), current);
      if (inSync && event.u > book.lastUpdateId) book.apply(event);
      if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 0)); // events arrive
    }
    await recorder.close(() => book.snapshot());
    assert.equal(recorder.stats.droppedRecords, 0);
    assert.equal(recorder.stats.writeErrors, 0);

    const paths = dayFiles(dataDir);
    assert.deepEqual(paths.map((p) => p.slice(dataDir.length)), [
      "/BTCUSDT/2025-06-25_dom.jsonl.gz",
      "/BTCUSDT/2025-06-26_dom.jsonl.gz",
      "/BTCUSDT/2025-06-27_dom.jsonl.gz",
      "/BTCUSDT/2025-06-28_dom.jsonl.gz",
    ]);
    // Days that ended got their manifest at rotation; the last day (still "today") did not.
    assert.deepEqual(finished, ["2025-06-25", "2025-06-26", "2025-06-27"]);
    const counts = await checkWithStandardTools(paths);

    const files = await Promise.all(paths.map(readRecords));
    const written = files.flat().filter((r) => r.type === "depthUpdate");
    assert.deepEqual(written.map((r) => r.u), feed.events.map((e) => e.u), "every event once");
    for (const [i, records] of files.entries()) {
      assert.equal(counts[i], records.length, "python reads every line");
      assert.equal(records[0]!.type, "header");
      assert.equal(records[0]!.date, paths[i]!.slice(-23, -13));
      assert.equal(records.filter((r) => r.type === "header").length, 1);
      for (const r of records.filter((r) => r.type === "depthUpdate")) {
        assert.equal(new Date(r.E as number).toISOString().slice(0, 10), records[0]!.date);
      }
      assert.ok(await memberCount(paths[i]!) > 1, "written as several complete members");
      if (i === 0) {
        assert.deepEqual(records.slice(1, 2).map((r) => [r.type, r.reason]), [["gap", "start"]]);
        continue;
      }
      // A new day begins with the book at the rotation point; the previous day ends with it.
      const intro = records[1] as unknown as SnapshotRecord;
      assert.equal(intro.type, "snapshot");
      assert.equal(intro.source, "book");
      const previous = files[i - 1]!;
      const lastEvent = previous.findLast((r) => r.type === "depthUpdate")!;
      assert.equal(intro.lastUpdateId, lastEvent.u);
      const outro = previous.at(-1) as unknown as SnapshotRecord;
      assert.equal(outro.source, "book");
      assert.equal(firstDifference(outro, intro), undefined);
      // The day replays on its own, up to the clean-stop checkpoint / the next day's book.
      const replay = new OrderBook(intro);
      for (const r of records.slice(2)) {
        if (r.type === "depthUpdate") {
          assert.equal(r.U, replay.lastUpdateId + 1, "continuous");
          replay.apply(r as never);
        }
      }
      const end = records.at(-1) as unknown as SnapshotRecord;
      assert.equal(end.type, "snapshot");
      assert.equal(firstDifference(replay.snapshot(), end), undefined);
    }

    for (const [i, day] of finished.entries()) {
      const manifest = JSON.parse(
        await Deno.readTextFile(`${dataDir}/BTCUSDT/${day}_dom.manifest.json`),
      );
      const bytes = await Deno.readFile(paths[i]!);
      const events = files[i]!.filter((r) => r.type === "depthUpdate");
      assert.deepEqual(manifest, {
        format: 1,
        file: `${day}_dom.jsonl.gz`,
        symbol: "BTCUSDT",
        date: day,
        bytes: bytes.length,
        sha256: createHash("sha256").update(bytes).digest("hex"),
        firstUpdateId: events[0]!.U,
        lastUpdateId: events.at(-1)!.u,
        events: events.length,
        snapshots: files[i]!.filter((r) => r.type === "snapshot").length,
        gaps: files[i]!.filter((r) => r.type === "gap").length,
      });
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
