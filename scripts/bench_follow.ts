/**
 * Following benchmark: the CPU (user + system seconds per wall second) and memory (RSS) of a
 * collector process following 30 and 300 simulated symbols at 100 ms, writing through the real
 * Recorder into a temporary data directory. The simulator runs in a separate process
 * (`main.ts simulate`), so its CPU is not counted.
 *
 * Usage: deno run -A scripts/bench_follow.ts [--seconds 20] [--counts 30,300] [--levels 1000]
 *   [--sink recorder|count]   (count: records are only counted, to see the Recorder's share)
 *   [--redundancy 1,2]        (connections per set of streams; each case runs once per value)
 *
 * @module
 */
import { cpuUsage } from "node:process";
import { parseArgs } from "node:util";
import { DEFAULT_CONFIG } from "../lib/cli/config.ts";
import { createLogger } from "../lib/util/log.ts";
import { startCollector } from "../lib/collector/collector.ts";
import { CountingSink } from "../lib/collector/sink.ts";
import { depthStreamName } from "../lib/binance/urls.ts";
import { Recorder } from "../lib/storage/recorder.ts";
import { VERSION } from "../lib/version.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "20" },
    counts: { type: "string", default: "30,300" },
    levels: { type: "string", default: "1000" },
    sink: { type: "string", default: "recorder" },
    redundancy: { type: "string", default: "1,2" },
  },
});
const seconds = Number(values.seconds);
const counts = values.counts.split(",").map(Number);
const redundancies = values.redundancy.split(",").map(Number);
const main = new URL("../main.ts", import.meta.url).pathname;

function symbolNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `B${String(i + 1).padStart(4, "0")}USDT`);
}

/** Starts `main.ts simulate` in its own process; resolves with its base URL. */
async function startSimProcess(symbols: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      main,
      "simulate",
      "--quiet",
      "--symbols",
      symbols.join(","),
      "--levels",
      values.levels,
      "--weight-per-minute",
      "10000000",
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("Simulator exited before printing its URL");
    text += value;
  }
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  const url = text.trim().split("\n")[0]!;
  return {
    url,
    wsUrl: url.replace(/^http/, "ws"),
    async close() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

function cpuSeconds(): number {
  const u = cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function follow(n: number, redundancy: number): Promise<string> {
  const symbols = symbolNames(n);
  const sim = await startSimProcess(symbols);
  const dataDir = await Deno.makeTempDir({ prefix: "bench_follow_" });
  try {
    const config = {
      ...structuredClone(DEFAULT_CONFIG),
      symbols,
      wsUrl: sim.wsUrl,
      restUrl: sim.url,
      dataDir,
      statusIntervalMs: 0,
      redundancy,
    };
    const recorder = await Recorder.open({
      dataDir,
      collectorVersion: VERSION,
      streamName: (s) => depthStreamName(s, config.speed),
      flushIntervalMs: config.flushIntervalMs,
      fsync: config.fsync,
    });
    const log = createLogger({ level: "quiet" });
    const sink = values.sink === "count" ? new CountingSink() : recorder;
    const collector = startCollector(config, { sink, log });
    try {
      await collector.ready;
      const syncStart = performance.now();
      while (collector.stats().inSync < n) {
        if (performance.now() - syncStart > 60_000) throw new Error("Symbols did not sync in 60 s");
        await new Promise((r) => setTimeout(r, 100));
      }
      const syncMs = performance.now() - syncStart;
      const lanes = collector.groups().length * redundancy;
      while (collector.connections().filter((c) => c.open).length < lanes) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 2000)); // settle
      const rss: number[] = [];
      const before = { cpu: cpuSeconds(), wall: performance.now(), ...collector.stats() };
      const bytes0 = recorder.stats.bytesWritten;
      const sampler = setInterval(() => rss.push(Deno.memoryUsage().rss), 250);
      await new Promise((r) => setTimeout(r, seconds * 1000));
      clearInterval(sampler);
      const after = { cpu: cpuSeconds(), wall: performance.now(), ...collector.stats() };
      const wall = (after.wall - before.wall) / 1000;
      const cpu = after.cpu - before.cpu;
      const events = after.written - before.written;
      const mib = (x: number) => (x / 1048576).toFixed(0);
      const gaps = after.gaps;
      return `| ${n} | ${redundancy} | ${(events / wall).toFixed(0)} | ${
        (cpu / wall).toFixed(3)
      } | ` +
        `${(cpu / events * 1e6).toFixed(1)} | ${mib(Math.max(...rss))} | ` +
        `${mib(rss.reduce((a, b) => a + b, 0) / rss.length)} | ` +
        `${((recorder.stats.bytesWritten - bytes0) / 1024 / wall).toFixed(0)} | ` +
        `${(syncMs / 1000).toFixed(1)} | ${gaps} |`;
    } finally {
      await collector.stop();
      await recorder.close((s) => collector.books(s));
    }
  } finally {
    await sim.close();
    await Deno.remove(dataDir, { recursive: true });
  }
}

console.log(
  `Following N simulated symbols at 100 ms (${values.levels} levels a side), ${seconds} s each; ` +
    `collector → ${
      values.sink === "count" ? "a counting sink (no storage)" : "Recorder → temp dir (fsync on)"
    }; simulator in its own process.\n`,
);
console.log(
  "| symbols | redundancy | events/s | CPU s per wall s | CPU µs per event | RSS max MiB | " +
    "RSS mean MiB | KiB/s written | time to sync all (s) | gaps |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const n of counts) for (const r of redundancies) console.log(await follow(n, r));
