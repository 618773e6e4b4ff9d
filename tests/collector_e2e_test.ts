/**
 * `collector run` end to end: the real entry point with the collector's permission flags, against
 * the simulator, writing a temporary data directory; stopped by SIGTERM.
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { firstDifference } from "../lib/book/order_book.ts";
import { auditRecords, until } from "./helpers/collector_harness.ts";
import { startSimulator } from "../lib/simulator/simulator.ts";
import type { RecordingRecord } from "../lib/recording/records.ts";
import { MAIN_PATH, permissionFlags } from "../scripts/permission_flags.ts";
import { simulatorArgs, spawnRun } from "./helpers/collector_process.ts";

const SYMBOLS = ["BTCUSDT", "ETHUSDT"];

async function readRecords(path: string): Promise<RecordingRecord[]> {
  const text = new TextDecoder().decode(gunzipSync(await Deno.readFile(path)));
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

Deno.test("collector run records the simulator's symbols and stops cleanly on SIGTERM", async () => {
  await using sim = await startSimulator({ symbols: SYMBOLS, quiet: true, levelsPerSide: 20 });
  const dataDir = await Deno.makeTempDir({ prefix: "collector_e2e_" });
  try {
    const args = [
      ...simulatorArgs(sim, dataDir, SYMBOLS),
      "--snapshot-limit",
      "100",
      "--status-interval-ms",
      "100",
      "--flush-interval-ms",
      "100",
    ];
    const run = spawnRun(args);
    try {
      await until(
        "both symbols synced",
        () => run.stderr.join("").includes("all 2 symbols synced"),
        20_000,
      );
      await until("a second of events", () => sim.events("BTCUSDT").length > 20);

      // A second collector on the same data directory is refused: unusable input, exit 2.
      const second = spawnRun(args);
      const status2 = await second.done;
      assert.equal(status2.code, 2);
      assert.match(second.stderr.join(""), /already in use/);
    } finally {
      const stopAt = Date.now();
      run.child.kill("SIGTERM");
      const status = await run.done;
      const stopMs = Date.now() - stopAt;
      assert.equal(status.code, 0, run.stderr.join(""));
      assert.ok(stopMs < 5000, `stopped in ${stopMs} ms`);
    }
    const day = new Date().toISOString().slice(0, 10);
    for (const symbol of SYMBOLS) {
      const records = await readRecords(`${dataDir}/${symbol}/${day}_dom.jsonl.gz`);
      assert.equal(records[0]!.type, "header");
      const audit = auditRecords(records, sim.events(symbol));
      assert.ok(audit.events > 10, `${symbol}: ${audit.events} events`);
      assert.equal(audit.duplicates, 0);
      assert.equal(audit.missingIds, 0);
      assert.equal(audit.different, 0);
      assert.deepEqual(audit.unannounced, []);
      assert.ok(audit.gaps.every((g) => g.reason === "start"), JSON.stringify(audit.gaps));
      assert.equal(audit.restSnapshots, 1);
      const last = records.at(-1)!;
      assert.ok(last.type === "snapshot" && last.source === "book", "final checkpoint");
      assert.equal(firstDifference(last, sim.bookAt(symbol, last.lastUpdateId)), undefined);
    }
    // The project's own checker agrees: whole files, no damage.
    const verify = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...permissionFlags(), MAIN_PATH, "verify", dataDir],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(verify.stdout) + new TextDecoder().decode(verify.stderr);
    assert.equal(verify.code, 0, out);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("collector run refuses a symbol the exchange does not list: exit 2, nothing recorded", async () => {
  await using sim = await startSimulator({ symbols: ["BTCUSDT"], quiet: true, levelsPerSide: 5 });
  const dataDir = await Deno.makeTempDir({ prefix: "collector_e2e_" });
  try {
    const run = spawnRun(simulatorArgs(sim, dataDir, ["BTCUSDT", "NOPEUSDT"]));
    const status = await run.done;
    assert.equal(status.code, 2);
    assert.match(run.stderr.join(""), /error: Unknown symbol "NOPEUSDT"/);
    assert.equal(sim.stats.connectionsOpened, 0);
    assert.equal(sim.stats.depthRequests, 0);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("collector run through shutdowns, drops, stalls, gaps and garbage: verify finds no damage", async () => {
  await using sim = await startSimulator({ symbols: SYMBOLS, quiet: true, levelsPerSide: 20 });
  const dataDir = await Deno.makeTempDir({ prefix: "collector_e2e_" });
  try {
    const run = spawnRun([
      ...simulatorArgs(sim, dataDir, SYMBOLS),
      "--snapshot-limit",
      "100",
      "--silence-timeout-ms",
      "800",
      "--reconnect-base-ms",
      "50",
      "--reconnect-max-ms",
      "500",
      "--status-interval-ms",
      "100",
      "--flush-interval-ms",
      "200",
    ]);
    try {
      await until("synced", () => run.stderr.join("").includes("all 2 symbols synced"), 20_000);
      const faults = [
        () => sim.sendServerShutdown(),
        () => sim.withholdNextEvent("BTCUSDT"),
        () => sim.sendMalformedFrame(),
        () => sim.dropConnections(),
        () => sim.sendServerShutdown(),
        () => sim.stallConnections(),
        () => sim.withholdNextEvent("ETHUSDT"),
        () => sim.sendUnknownStreamFrame(),
      ];
      for (const fault of faults) {
        fault();
        await new Promise((r) => setTimeout(r, 700));
      }
      await until(
        "in sync again",
        () => run.stderr.join("").split("all 2 symbols synced").length > 2,
        20_000,
      );
    } finally {
      run.child.kill("SIGTERM");
      assert.equal((await run.done).code, 0, run.stderr.join(""));
    }
    const log = run.stderr.join("");
    assert.match(log, /took over/, "a serverShutdown was handed off");
    assert.match(log, /silent for 800 ms/);
    const verify = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...permissionFlags(), MAIN_PATH, "verify", "--json", dataDir],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(verify.stdout);
    assert.equal(verify.code, 0, out + new TextDecoder().decode(verify.stderr));
    const gaps = (out.match(/"reason":\s*"(sequence|disconnect)"/g) ?? []).length;
    assert.ok(gaps >= 2, `marked gaps in the report: ${gaps}`);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
