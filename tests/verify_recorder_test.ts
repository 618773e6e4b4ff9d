import assert from "node:assert/strict";
import type { DepthSnapshot } from "../lib/binance/types.ts";
import { OrderBook } from "../lib/book/order_book.ts";
import { Recorder } from "../lib/storage/recorder.ts";
import { depthUpdateRecord } from "../lib/recording/records.ts";
import { findRecordings } from "../lib/verify/find_recordings.ts";
import { verifyFiles } from "../lib/verify/verify_files.ts";
import { loadBtcusdt } from "./helpers/storage_fixture.ts";

const feed = await loadBtcusdt();
const BASE = Date.UTC(2025, 5, 25, 23, 0, 0);
/** The real events' times stretched 300 times: 650 s span three midnights. */
const stretch = (E: number) => BASE + (E - feed.events[0]!.E) * 300;

Deno.test("verifyFiles() finds the Recorder's own files whole: rotations, a restart, manifests", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    let clock = BASE;
    const open = () =>
      Recorder.open({
        dataDir,
        collectorVersion: "test",
        streamName: (s) => `${s.toLowerCase()}@depth@100ms`,
        maxMemberBytes: 32 * 1024,
        fsync: false,
        now: () => clock,
      });
    let recorder = await open();
    const book = new OrderBook();
    let inSync = false;
    const current = (): DepthSnapshot | null => inSync ? book.snapshot() : null;
    const restartAt = Math.floor(feed.events.length * 0.6);
    for (const [i, event] of feed.events.entries()) {
      const E = stretch(event.E);
      clock = E + 5;
      if (i === restartAt) {
        // A new process: no book; it buffers a few events, then gets a REST snapshot.
        await recorder.close(() => book.snapshot());
        recorder = await open();
        inSync = false;
      }
      if (i === 2 || i === restartAt + 3) {
        const rest = i === 2 ? feed.snapshot : book.snapshot();
        recorder.write(
          "BTCUSDT",
          { type: "snapshot", recv: clock, ...rest, source: "rest" },
          current,
        );
        book.reset(rest);
        inSync = true;
      }
      recorder.write("BTCUSDT", depthUpdateRecord({ ...event, E }, clock), current);
      if (event.u > book.lastUpdateId) book.apply(event);
      if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await recorder.close(() => book.snapshot());

    const report = await verifyFiles(await findRecordings([dataDir]));
    const problems = report.files.map((f) => [f.path, f.problems]);
    assert.equal(report.exitCode, 0, JSON.stringify(problems));
    assert.equal(report.files.length, 4);
    assert.equal(report.files.reduce((n, f) => n + f.events, 0), feed.events.length);
    assert.deepEqual(
      report.files.slice(1).map((f) => f.continuity?.status),
      ["continues", "continues", "continues"],
    );
    assert.ok(report.files.filter((f) => f.manifest !== null).length >= 3, "manifests checked");
    const reasons = report.files.flatMap((f) => f.gaps.map((g) => g.reason));
    assert.ok(reasons.includes("restart"), reasons.join());
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
