/**
 * USDⓈ-M futures into files: the real usdm recordings replayed by the simulator in futures mode,
 * recorded by a `collector run` session with `market: "usdm"` into `<dataDir>/usdm/<SYMBOL>/`,
 * then `verify` (the futures rules) on the files: all whole.
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { type CollectorConfig, DEFAULT_CONFIG } from "../lib/cli/config.ts";
import { runRecordingSession } from "../lib/commands/recording_session.ts";
import { startSimulator } from "../lib/simulator/simulator.ts";
import { createLogger } from "../lib/util/log.ts";
import { findRecordings } from "../lib/verify/find_recordings.ts";
import { verifyFiles } from "../lib/verify/verify_files.ts";

const DATA = new URL("../../shared/data/binance/usdm/", import.meta.url);
const FILES = ["btcusdt_20240808.gz", "ethusdt_20240808.gz"].map((f) => new URL(f, DATA).pathname);

Deno.test("run --market usdm: the real futures recordings into <dataDir>/usdm/, verify whole", async () => {
  await using sim = await startSimulator({
    market: "usdm",
    quiet: true,
    replay: FILES,
    replaySpeed: 25,
    replayAutoStart: false,
  });
  const dataDir = await Deno.makeTempDir();
  try {
    const config: CollectorConfig = {
      ...structuredClone(DEFAULT_CONFIG),
      market: "usdm",
      symbols: ["BTCUSDT", "ETHUSDT"],
      dataDir,
      wsUrl: sim.wsUrl,
      restUrl: sim.url,
      speed: "0ms",
      snapshotLimit: 1000,
      statusIntervalMs: 0,
      clockCheckIntervalMs: 0,
      fsync: false,
    };
    const logs: string[] = [];
    let stop = () => {};
    const until = new Promise<string>((resolve) => stop = () => resolve("test"));
    const session = runRecordingSession(config, {
      log: createLogger({ level: "verbose", write: (line) => logs.push(line) }),
      until,
      statusSignal: null,
      onStarted: (collector) => {
        collector.ready.then(async () => {
          const deadline = Date.now() + 5000;
          while (sim.stats.connectionsOpen < 2 && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 10));
          }
          sim.startReplay();
          await sim.replayFinished();
          await new Promise((r) => setTimeout(r, 200));
          stop();
        });
      },
    });
    const stats = await session;
    assert.ok(stats.inSync === 2 || stats.events > 0, logs.join("\n"));
    const top = [...Deno.readDirSync(dataDir)].map((e) => e.name).sort();
    assert.deepEqual(top, ["usdm"], "nothing at the top of the data directory: spot's place");
    const inUsdm = [...Deno.readDirSync(`${dataDir}/usdm`)].map((e) => e.name).sort();
    assert.deepEqual(inUsdm, [".lock", "BTCUSDT", "ETHUSDT"]);
    const files = await findRecordings([dataDir]);
    // The recordings cross UTC midnight (exchange time): two days a symbol.
    assert.deepEqual(
      files.map((f) => f.path.slice(dataDir.length)),
      [
        "/usdm/BTCUSDT/2024-08-08_dom.jsonl.gz",
        "/usdm/BTCUSDT/2024-08-09_dom.jsonl.gz",
        "/usdm/ETHUSDT/2024-08-08_dom.jsonl.gz",
        "/usdm/ETHUSDT/2024-08-09_dom.jsonl.gz",
      ],
    );
    for (const file of files) {
      const text = new TextDecoder().decode(gunzipSync(Deno.readFileSync(file.path)));
      const header = JSON.parse(text.slice(0, text.indexOf("\n")));
      assert.equal(header.market, "usdm");
      assert.match(header.stream, /@depth@0ms$/);
      assert.match(text, /"pu":\d+/);
    }
    const report = await verifyFiles(files);
    for (const file of report.files) {
      assert.equal(file.status, "whole", `${file.path}: ${JSON.stringify(file.problems)}`);
      // 2024-08-09 holds the last few events only (4 BTCUSDT, 6 ETHUSDT after midnight).
      const least = file.date === "2024-08-08" ? 5000 : 4;
      assert.ok(file.applied >= least, `${file.path}: ${file.applied} applied`);
    }
    assert.equal(report.exitCode, 0);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
