/**
 * Recovery benchmark (issue: one lost connection must lose nothing; an outage must heal fast):
 * 300 simulated symbols at 100 ms on two redundant connections, with Binance's real REST weight
 * limit (6000 a minute, half of it ours). For `snapshotLimit` "auto" and 5000, in the same run:
 *
 * 1. cold start: time until every symbol is in sync;
 * 2. one of the two connections killed: gaps and snapshot requests it caused (should be 0);
 * 3. both killed: time until every symbol is in sync again, and the weight spent.
 *
 * The symbols' books have a mix of depths (levels a side): 30 % 60, 30 % 300, 25 % 700, 15 %
 * 3000, a spread like the exchange's long tail of thin books and few deep ones. Time can be
 * compressed with `--time-scale K` (the weight window is 60 s / K for both the simulator and the
 * collector); times are reported in exchange time (real × K) as well.
 *
 * Usage: deno run -A scripts/bench_recovery.ts [--symbols 300] [--time-scale 10]
 *   [--limits auto,5000]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DEFAULT_CONFIG } from "../lib/cli/config.ts";
import { silentLogger } from "../lib/util/log.ts";
import { type Collector, startCollector } from "../lib/collector/collector.ts";
import { ConnectionPacer } from "../lib/collector/connection_pacer.ts";
import type { RecordSink } from "../lib/collector/sink.ts";
import { startSimulator } from "../lib/simulator/simulator.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    symbols: { type: "string", default: "300" },
    "time-scale": { type: "string", default: "10" },
    limits: { type: "string", default: "auto,5000" },
  },
});
const count = Number(values.symbols);
const scale = Number(values["time-scale"]);
const limits = values.limits.split(",").map((l) => (l === "auto" ? "auto" : Number(l)));
const WINDOW_MS = 60_000 / scale;

/** Levels a side of the `i`-th symbol (of `n`): the mix described above. */
function levelsOf(i: number, n: number): number {
  const share = i / n;
  if (share < 0.3) return 60;
  if (share < 0.6) return 300;
  if (share < 0.85) return 700;
  return 3000;
}

const names = Array.from({ length: count }, (_, i) => `B${String(i + 1).padStart(4, "0")}USDT`);
const levels = new Map(names.map((s, i) => [s, levelsOf(i, count)]));

/** Counts gap records by reason. */
class GapCounter implements RecordSink {
  gaps = 0;
  records = 0;
  write(_symbol: string, record: { type: string }): void {
    this.records++;
    if (record.type === "gap") this.gaps++;
  }
}

async function until(what: string, check: () => boolean, ms: number): Promise<number> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > ms) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return performance.now() - start;
}

const fmt = (ms: number) =>
  `${(ms / 1000).toFixed(1)} s (exchange time ${(ms * scale / 60_000).toFixed(1)} min)`;

interface Result {
  limit: number | "auto";
  coldMs: number;
  oneKilled: { gaps: number; snapshots: number };
  bothMs: number;
  bothWeight: number;
  bothRequests: Record<number, number>;
}

async function run(limit: number | "auto"): Promise<Result> {
  await using sim = await startSimulator({
    quiet: true,
    symbols: names,
    levelsOf: (s) => levels.get(s),
    updateIntervalMs: 100,
    weightWindowMs: WINDOW_MS,
    weightPerMinute: 6000,
  });
  const sink = new GapCounter();
  const collector: Collector = startCollector({
    ...structuredClone(DEFAULT_CONFIG),
    symbols: names,
    wsUrl: sim.wsUrl,
    restUrl: sim.url,
    snapshotLimit: limit,
    statusIntervalMs: 0,
    clockCheckIntervalMs: 0,
    reconnectBaseMs: 200,
    reconnectMaxMs: 1000,
  }, {
    sink,
    log: silentLogger,
    weightWindowMs: WINDOW_MS,
    pacer: new ConnectionPacer({ minIntervalMs: 10 }),
    laneStaggerMs: 1000,
  });
  try {
    await collector.ready;
    const all = () => collector.stats().inSync === count;
    const coldMs = await until("cold start", all, 3_600_000);
    await until("both lanes open", () => sim.stats.connectionsOpen === 2, 30_000);

    const gaps0 = sink.gaps;
    const requests0 = sim.stats.depthRequests;
    sim.dropConnections([sim.connections()[0]!.id]);
    await until("the lane back", () => sim.stats.connectionsOpen === 2, 30_000);
    await new Promise((r) => setTimeout(r, 3000));
    const oneKilled = { gaps: sink.gaps - gaps0, snapshots: sim.stats.depthRequests - requests0 };

    const weight0 = collector.stats().snapshots.weightSent;
    const byLimit0 = { ...collector.stats().snapshots.byLimit };
    sim.dropConnections();
    await until("out of sync", () => collector.stats().inSync < count, 30_000);
    const bothMs = await until("all in sync again", all, 3_600_000);
    const s = collector.stats().snapshots;
    const bothRequests: Record<number, number> = {};
    for (const [l, n] of Object.entries(s.byLimit)) {
      const d = n - (byLimit0[Number(l)] ?? 0);
      if (d > 0) bothRequests[Number(l)] = d;
    }
    return {
      limit,
      coldMs,
      oneKilled,
      bothMs,
      bothWeight: s.weightSent - weight0,
      bothRequests,
    };
  } finally {
    await collector.stop();
  }
}

console.log(
  `recovery: ${count} symbols at 100 ms, redundancy 2, weight 6000/min (ours: half), ` +
    `time scale ${scale} (weight window ${WINDOW_MS} ms)`,
);
const results: Result[] = [];
for (const limit of limits) {
  const r = await run(limit);
  results.push(r);
  console.log(
    `snapshotLimit ${r.limit}: cold start ${fmt(r.coldMs)}; ` +
      `one connection killed: ${r.oneKilled.gaps} gaps, ${r.oneKilled.snapshots} snapshots; ` +
      `both killed: all in sync after ${fmt(r.bothMs)}, weight ${r.bothWeight} ` +
      `(requests by limit ${JSON.stringify(r.bothRequests)})`,
  );
}
if (results.length === 2) {
  const [a, b] = results as [Result, Result];
  console.log(
    `both killed: ${a.limit} recovers in ${(a.bothMs / b.bothMs).toFixed(2)} of ${b.limit}'s time`,
  );
}
