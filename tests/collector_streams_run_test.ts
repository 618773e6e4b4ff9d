/**
 * `collector run --streams depth,trade,aggTrade,bookTicker` against the simulator, as a process:
 * each stream of each symbol in its own day file beside the depth file, every trade once, through
 * the loss of one connection and a `disconnect` gap when both are lost; `verify` finds it whole.
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { startSimulator } from "../lib/simulator/simulator.ts";
import { until } from "./helpers/collector_harness.ts";
import { collector, simulatorArgs, spawnRun } from "./helpers/collector_process.ts";

const SYMBOLS = ["BTCUSDT", "ETHUSDT"];

async function readRecords(path: string): Promise<Record<string, unknown>[]> {
  const text = new TextDecoder().decode(gunzipSync(await Deno.readFile(path)));
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

Deno.test("collector run --streams records trades, aggTrades and bookTickers beside depth", async () => {
  await using sim = await startSimulator({ symbols: SYMBOLS, quiet: true, levelsPerSide: 20 });
  const dataDir = await Deno.makeTempDir({ prefix: "collector_streams_" });
  try {
    const run = spawnRun([
      ...simulatorArgs(sim, dataDir, SYMBOLS),
      ...["--streams", "depth,trade,aggTrade,bookTicker", "--snapshot-limit", "100"],
      ...["--status-interval-ms", "100", "--flush-interval-ms", "100"],
    ]);
    try {
      await until(
        "both symbols synced",
        () => run.stderr.join("").includes("all 2 symbols synced"),
        20_000,
      );
      await until("both lanes open", () => sim.stats.connectionsOpen === 2, 10_000);
      const from = sim.lastTradeIds("BTCUSDT")!.t;
      await until("trades", () => sim.lastTradeIds("BTCUSDT")!.t > from + 20);
      sim.dropConnections([sim.connections()[0]!.id]);
      await until("trades after a drop", () => sim.lastTradeIds("BTCUSDT")!.t > from + 60);
      await until("both lanes open again", () => sim.stats.connectionsOpen === 2, 10_000);
      sim.dropConnections(); // both: continuity is lost, a gap in every stream's file
      await until("a lane back", () => sim.stats.connectionsOpen >= 1, 10_000);
      const back = sim.lastTradeIds("BTCUSDT")!.t;
      await until("trades after both dropped", () => sim.lastTradeIds("BTCUSDT")!.t > back + 40);
    } finally {
      run.child.kill("SIGTERM");
      const status = await run.done;
      assert.equal(status.code, 0, run.stderr.join(""));
    }
    const day = new Date().toISOString().slice(0, 10);
    for (const symbol of SYMBOLS) {
      const names = [...Deno.readDirSync(`${dataDir}/${symbol}`)].map((e) => e.name).sort();
      assert.deepEqual(names, [
        `${day}_aggTrade.jsonl.gz`,
        `${day}_bookTicker.jsonl.gz`,
        `${day}_dom.jsonl.gz`,
        `${day}_trade.jsonl.gz`,
      ]);
      for (const [kind, id] of [["trade", "t"], ["aggTrade", "a"]] as const) {
        const records = await readRecords(`${dataDir}/${symbol}/${day}_${kind}.jsonl.gz`);
        assert.equal(records[0]!.type, "header");
        assert.equal(records[0]!.stream, `${symbol.toLowerCase()}@${kind}`);
        const gaps = records.filter((r) => r.type === "gap");
        assert.deepEqual(gaps.map((r) => r.reason), ["start", "disconnect"]);
        // Every trade once; consecutive on each side of the disconnect gap, which names the last.
        const at = records.indexOf(gaps[1]!);
        const idsOf = (part: Record<string, unknown>[]) =>
          part.filter((r) => r.type === kind).map((r) => r[id] as number);
        const before = idsOf(records.slice(0, at));
        const after = idsOf(records.slice(at));
        assert.equal(gaps[1]!.lastUpdateId, before.at(-1));
        for (const ids of [before, after]) {
          assert.ok(ids.length > 20, `${symbol} ${kind}: ${ids.length}`);
          ids.forEach((v, i) => i === 0 || assert.equal(v, ids[i - 1]! + 1, `${kind} ${v}`));
        }
        assert.ok(after[0]! > before.at(-1)!);
      }
      const tickers = await readRecords(`${dataDir}/${symbol}/${day}_bookTicker.jsonl.gz`);
      assert.equal(tickers[0]!.stream, `${symbol.toLowerCase()}@bookTicker`);
      assert.ok(tickers.filter((r) => r.type === "bookTicker").length > 40);
      const depth = await readRecords(`${dataDir}/${symbol}/${day}_dom.jsonl.gz`);
      assert.ok(depth.some((r) => r.type === "depthUpdate"));
      assert.ok(depth.every((r) => r.type !== "trade" && r.type !== "bookTicker"));
    }
    // verify reads every file the run wrote, the stream files included, and finds them whole.
    const verified = await collector("verify", "--json", dataDir);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    const report = JSON.parse(verified.stdout) as { files: { path: string; status: string }[] };
    assert.equal(report.files.length, 8, report.files.map((f) => f.path).join(", "));
    assert.ok(report.files.every((f) => f.status === "whole"));
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
