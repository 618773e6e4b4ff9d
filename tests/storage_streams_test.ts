/**
 * The recorder with several streams per symbol: the real BTCUSDT trades and bookTickers, each in
 * its own day file beside the depth file, rotating at UTC midnight (trades by their trade time
 * `T`, bookTickers by `recv`), each with its header, manifest and crash repair.
 */
import assert from "node:assert/strict";
import { asBookTicker, asTrade } from "../lib/binance/parse.ts";
import type { BookTicker, Trade } from "../lib/binance/types.ts";
import { Recorder } from "../lib/storage/recorder.ts";
import { loadRawRecording, sharedDataPath } from "../lib/recording/raw_recording.ts";
import { bookTickerRecord, depthUpdateRecord, tradeRecord } from "../lib/recording/records.ts";
import { checkWithStandardTools, loadBtcusdt, readRecords } from "./helpers/storage_fixture.ts";

const trades: Trade[] = [];
const tickers: BookTicker[] = [];
for (const message of await loadRawRecording(sharedDataPath("spot/btcusdt_20240808.gz"))) {
  if (message.kind !== "frame") continue;
  if (message.frame.stream.endsWith("@trade")) trades.push(asTrade(message.frame.data));
  else if (message.frame.stream.endsWith("@bookTicker")) {
    tickers.push(asBookTicker(message.frame.data));
  }
}
const depth = await loadBtcusdt();

const BASE = Date.UTC(2025, 5, 25, 23, 0, 0);

function files(dataDir: string): string[] {
  return [...Deno.readDirSync(`${dataDir}/BTCUSDT`)].map((e) => e.name).sort();
}

Deno.test("Recorder writes each stream of a symbol into its own day files, rotating at midnight", async () => {
  assert.ok(trades.length > 100 && tickers.length > 100, `${trades.length}, ${tickers.length}`);
  const dataDir = await Deno.makeTempDir({ prefix: "storage_streams_" });
  try {
    let clock = BASE;
    const recorder = await Recorder.open({
      dataDir,
      collectorVersion: "test",
      streamName: (s) => `${s.toLowerCase()}@depth@100ms`,
      maxMemberBytes: 16 * 1024,
      fsync: false,
      now: () => clock,
    });
    const finished: string[] = [];
    recorder.onFileFinished = (info) => finished.push(`${info.date} ${info.stream}`);
    // Trades stretched to span two midnights by trade time; recv an hour late (the day is T's).
    const t0 = trades[0]!.T;
    const span = trades.at(-1)!.T - t0;
    const stretch = (T: number) => BASE + Math.round((T - t0) / span * 2 * 86_400_000);
    for (const [i, trade] of trades.entries()) {
      const T = stretch(trade.T);
      clock = T + 3_600_000;
      recorder.write("BTCUSDT", tradeRecord({ ...trade, T, E: T + 1 }, clock), () => null, "trade");
      const ticker = tickers[i % tickers.length]!;
      recorder.write("BTCUSDT", bookTickerRecord(ticker, clock), () => null, "bookTicker");
      if (i < 50) {
        const event = depth.events[i]!;
        recorder.write(
          "BTCUSDT",
          depthUpdateRecord({ ...event, E: BASE + i }, BASE + i),
          () => null,
        );
      }
      if (i % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await recorder.close();
    assert.equal(recorder.stats.droppedRecords, 0);

    const names = files(dataDir);
    const tradeFiles = names.filter((n) => n.endsWith("_trade.jsonl.gz"));
    assert.deepEqual(tradeFiles, [
      "2025-06-25_trade.jsonl.gz",
      "2025-06-26_trade.jsonl.gz",
      "2025-06-27_trade.jsonl.gz",
    ]);
    // bookTickers go by recv (an hour after T): their first day is the 26th.
    assert.ok(!names.includes("2025-06-25_bookTicker.jsonl.gz"));
    assert.ok(names.includes("2025-06-26_bookTicker.jsonl.gz"));
    assert.ok(names.includes("2025-06-25_dom.jsonl.gz"));
    assert.ok(names.includes("2025-06-25_trade.manifest.json"));
    assert.ok(names.includes("2025-06-26_trade.manifest.json"));
    assert.ok(names.includes("2025-06-26_bookTicker.manifest.json"));
    assert.ok(finished.includes("2025-06-25 trade") && finished.includes("2025-06-26 bookTicker"));
    const paths = names.filter((n) => n.endsWith(".jsonl.gz")).map((n) =>
      `${dataDir}/BTCUSDT/${n}`
    );
    await checkWithStandardTools(paths);

    const days = await Promise.all(tradeFiles.map((n) => readRecords(`${dataDir}/BTCUSDT/${n}`)));
    const all = days.flat().filter((r) => r.type === "trade");
    assert.deepEqual(all.map((r) => r.t), trades.map((t) => t.t), "every trade once, in order");
    for (const [i, records] of days.entries()) {
      const header = records[0]!;
      assert.equal(header.type, "header");
      assert.equal(header.stream, "btcusdt@trade");
      assert.equal(header.date, tradeFiles[i]!.slice(0, 10));
      // Only the first day's file begins with a start gap: the next ones continue it.
      const gaps = records.filter((r) => r.type === "gap");
      assert.deepEqual(gaps.map((g) => g.reason), i === 0 ? ["start"] : []);
      for (const r of records.filter((r) => r.type === "trade")) {
        assert.equal(new Date(r.T as number).toISOString().slice(0, 10), header.date);
        assert.deepEqual(Object.keys(r), ["type", "recv", "E", "t", "p", "q", "T", "m", "M"]);
      }
      assert.ok(records.every((r) => r.type !== "snapshot" && r.type !== "bookTicker"));
    }
    const ticks = await readRecords(`${dataDir}/BTCUSDT/2025-06-26_bookTicker.jsonl.gz`);
    assert.equal(ticks[0]!.stream, "btcusdt@bookTicker");
    const first = ticks.find((r) => r.type === "bookTicker")!;
    assert.deepEqual(Object.keys(first), ["type", "recv", "u", "b", "B", "a", "A"]);
    for (const r of ticks.filter((r) => r.type === "bookTicker")) {
      assert.equal(new Date(r.recv as number).toISOString().slice(0, 10), "2025-06-26");
    }
    const depthRecords = await readRecords(`${dataDir}/BTCUSDT/2025-06-25_dom.jsonl.gz`);
    assert.equal(depthRecords[0]!.stream, "btcusdt@depth@100ms");
    assert.equal(depthRecords.filter((r) => r.type === "depthUpdate").length, 50);
    assert.ok(depthRecords.every((r) => r.type !== "trade"));

    const manifest = JSON.parse(
      await Deno.readTextFile(`${dataDir}/BTCUSDT/2025-06-25_trade.manifest.json`),
    );
    assert.equal(manifest.file, "2025-06-25_trade.jsonl.gz");
    assert.equal(manifest.gaps, 1);
    const firstDay = days[0]!.filter((r) => r.type === "trade");
    assert.equal(manifest.events, firstDay.length);
    assert.equal(manifest.firstUpdateId, firstDay[0]!.t);
    assert.equal(manifest.lastUpdateId, firstDay.at(-1)!.t);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("Recorder restarting on a trade file appends a header and a restart gap; past days are finished", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "storage_streams_" });
  try {
    let clock = BASE;
    const open = () =>
      Recorder.open({
        dataDir,
        collectorVersion: "test",
        streamName: (s) => `${s.toLowerCase()}@depth@100ms`,
        fsync: false,
        now: () => clock,
      });
    const first = await open();
    for (const trade of trades.slice(0, 20)) {
      first.write("BTCUSDT", tradeRecord({ ...trade, T: BASE }, BASE), () => null, "trade");
    }
    await first.close();
    const second = await open();
    for (const trade of trades.slice(20, 40)) {
      second.write("BTCUSDT", tradeRecord({ ...trade, T: BASE }, BASE), () => null, "trade");
    }
    await second.close();
    const records = await readRecords(`${dataDir}/BTCUSDT/2025-06-25_trade.jsonl.gz`);
    assert.deepEqual(
      records.filter((r) => r.type !== "trade").map((r) => [r.type, r.reason]),
      [["header", undefined], ["gap", "start"], ["header", undefined], ["gap", "restart"]],
    );
    assert.equal(records.filter((r) => r.type === "trade").length, 40);
    // The next day's start finishes the trade file left without a manifest.
    clock = BASE + 86_400_000;
    const third = await open();
    await third.close();
    assert.ok(files(dataDir).includes("2025-06-25_trade.manifest.json"));
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
