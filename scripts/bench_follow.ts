/**
 * Following benchmark: the CPU (user + system seconds per wall second) and memory (RSS) of a
 * collector process following 30 and 300 simulated symbols at 100 ms, writing through the real
 * Recorder into a temporary data directory. The simulator runs in a separate process
 * (`main.ts simulate`), so its CPU is not counted.
 *
 * Usage: deno run -A scripts/bench_follow.ts [--seconds 20] [--counts 30,300] [--levels 1000]
 *   [--sink recorder|count]   (count: records are only counted, to see the Recorder's share)
 *   [--redundancy 1,2]        (connections per set of streams; each case runs once per value)
 *   [--streams "depth|depth,trade|depth,bookTicker"]   (sets of streams, `|` between sets; each
 *                             case runs once per set; the first set is the baseline of the
 *                             extra CPU per event of the others)
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
import type { StreamKind } from "../lib/binance/types.ts";
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
    streams: { type: "string", default: "depth" },
  },
});
const seconds = Number(values.seconds);
const counts = values.counts.split(",").map(Number);
const redundancies = values.redundancy.split(",").map(Number);
const streamSets = values.streams.split("|").map((set) => set.split(",") as StreamKind[]);
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

/** Events recorded so far: depth updates and every other stream's records. */
function recorded(collector: ReturnType<typeof startCollector>): { depth: number; other: number } {
  let other = 0;
  for (const merges of collector.streamMerges().values()) {
    for (const m of merges) other += m.stats.recorded;
  }
  return { depth: collector.stats().written, other };
}

/** CPU s per wall s of the first set of streams, per case, for the extra CPU of the others. */
const baseline = new Map<string, number>();

async function follow(n: number, redundancy: number, streams: StreamKind[]): Promise<string> {
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
      streams,
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
      const depth = streams.includes("depth") ? n : 0;
      while (collector.stats().inSync < depth) {
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
      const before = { cpu: cpuSeconds(), wall: performance.now(), ...recorded(collector) };
      const bytes0 = recorder.stats.bytesWritten;
      const sampler = setInterval(() => rss.push(Deno.memoryUsage().rss), 250);
      await new Promise((r) => setTimeout(r, seconds * 1000));
      clearInterval(sampler);
      const after = { cpu: cpuSeconds(), wall: performance.now(), ...recorded(collector) };
      const wall = (after.wall - before.wall) / 1000;
      const cpu = after.cpu - before.cpu;
      const depthEvents = after.depth - before.depth;
      const otherEvents = after.other - before.other;
      const events = depthEvents + otherEvents;
      const mib = (x: number) => (x / 1048576).toFixed(0);
      const gaps = collector.stats().gaps +
        [...collector.streamMerges().values()].flat().reduce((a, m) => a + m.stats.gaps, 0);
      const key = `${n}/${redundancy}`;
      const base = baseline.get(key);
      if (base === undefined) baseline.set(key, cpu / wall);
      const extra = base === undefined || otherEvents === 0
        ? "–"
        : ((cpu / wall - base) / (otherEvents / wall) * 1e6).toFixed(1);
      return `| ${n} | ${redundancy} | ${streams.join(",")} | ${
        (depthEvents / wall).toFixed(0)
      } | ` +
        `${(otherEvents / wall).toFixed(0)} | ${(cpu / wall).toFixed(3)} | ${extra} | ` +
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
  "| symbols | redundancy | streams | depth events/s | other events/s | CPU s per wall s | " +
    "extra CPU µs per other event | CPU µs per event | RSS max MiB | RSS mean MiB | " +
    "KiB/s written | time to sync all (s) | gaps |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const n of counts) {
  for (const r of redundancies) for (const set of streamSets) console.log(await follow(n, r, set));
}
