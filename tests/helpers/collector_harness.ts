/**
 * Test support for the collector: runs it in-process against a simulator with an in-memory sink,
 * checks every applied book against the simulator's own book, and checks recorded event streams
 * against the simulator's events. Used by `tests/collector_*_test.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { DepthSnapshot, DepthUpdate } from "../../lib/binance/types.ts";
import { firstDifference, type OrderBook } from "../../lib/book/order_book.ts";
import { type CollectorConfig, DEFAULT_CONFIG } from "../../lib/cli/config.ts";
import { createLogger } from "../../lib/util/log.ts";
import {
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from "../../lib/simulator/simulator.ts";
import type { DepthUpdateRecord, GapRecord, RecordingRecord } from "../../lib/recording/records.ts";
import {
  type Collector,
  type CollectorOptions,
  startCollector,
} from "../../lib/collector/collector.ts";
import { ConnectionPacer } from "../../lib/collector/connection_pacer.ts";
import { MemorySink } from "../../lib/collector/sink.ts";

/** A collector and a simulator running together, torn down by `await using`. */
export interface Harness extends AsyncDisposable {
  sim: Simulator;
  collector: Collector;
  sink: MemorySink;
  config: CollectorConfig;
  /** Log lines written by the collector. */
  logs: string[];
  /** Books that differed from the simulator's at the same update id (should stay empty). */
  mismatches: string[];
  /** Books checked against the simulator. */
  checked: { count: number };
}

/** Options of {@linkcode startHarness}. */
export interface HarnessOptions {
  sim?: SimulatorOptions;
  config?: Partial<CollectorConfig>;
  collector?: Partial<Omit<CollectorOptions, "sink" | "log">>;
  /** Check every applied book against `sim.bookAt` (default true). */
  checkBooks?: boolean;
  /**
   * Levels per side compared with the simulator's book (default all). A book built from a
   * snapshot of `limit` levels is only exact near the top: deeper levels the snapshot left out
   * differ.
   */
  compareDepth?: number;
  /** Runs after the simulator started, before the collector starts. */
  beforeStart?: (sim: Simulator) => void | Promise<void>;
}

/** Starts a simulator (quiet) and a collector following it with test-friendly settings. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const sim = await startSimulator({ quiet: true, levelsPerSide: 20, ...options.sim });
  try {
    await options.beforeStart?.(sim);
  } catch (error) {
    await sim.close();
    throw error;
  }
  const sink = new MemorySink();
  const logs: string[] = [];
  const mismatches: string[] = [];
  const checked = { count: 0 };
  const config: CollectorConfig = {
    ...structuredClone(DEFAULT_CONFIG),
    symbols: sim.symbols(),
    wsUrl: sim.wsUrl,
    restUrl: sim.url,
    snapshotLimit: 100,
    statusIntervalMs: 0,
    silenceTimeoutMs: 2000,
    reconnectBaseMs: 50,
    reconnectMaxMs: 400,
    ...options.config,
  };
  const check = (symbol: string, book: OrderBook) => {
    checked.count++;
    const depth = options.compareDepth;
    const full = book.snapshot();
    const mine = depth === undefined ? full : { ...full, ...book.top(depth) };
    const at = sim.bookAt(symbol, full.lastUpdateId);
    const theirs = depth === undefined
      ? at
      : { ...at, bids: at.bids.slice(0, depth), asks: at.asks.slice(0, depth) };
    const diff = firstDifference(mine, theirs);
    if (diff !== undefined && mismatches.length < 20) {
      mismatches.push(`${symbol}@${mine.lastUpdateId}: ${diff}`);
    }
  };
  const collector = startCollector(config, {
    sink,
    log: createLogger({ level: "verbose", write: (line) => logs.push(line) }),
    pacer: new ConnectionPacer({ minIntervalMs: 10 }),
    laneStaggerMs: 50,
    ...(options.checkBooks === false ? {} : { onApplied: check }),
    ...options.collector,
  });
  return {
    sim,
    collector,
    sink,
    config,
    logs,
    mismatches,
    checked,
    async [Symbol.asyncDispose]() {
      try {
        await collector.stop();
      } finally {
        await sim.close();
      }
    },
  };
}

/** Polls `check` every 10 ms until it holds; throws after `ms` with `what` and the last value. */
export async function until(
  what: string,
  check: () => boolean,
  ms = 10_000,
): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until every symbol's book took `n` more events than now. */
export async function moreEvents(h: Harness, n: number): Promise<void> {
  const states = [...h.collector.states().values()];
  const at = states.map((s) => s.stats.applied);
  await until(`${n} more events`, () => states.every((s, i) => s.stats.applied >= at[i]! + n));
}

/** Waits `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** What {@linkcode auditRecords} found in one symbol's records. */
export interface Audit {
  /** Event records. */
  events: number;
  /** Gap records. */
  gaps: GapRecord[];
  /** Snapshot records from REST. */
  restSnapshots: number;
  /** Event records whose `u` was recorded before. */
  duplicates: number;
  /**
   * Breaks in `U == previous u + 1` (futures: `pu == previous u`) not announced by a gap record
   * (or a snapshot after one), nor bridged by a REST snapshot just before.
   */
  unannounced: string[];
  /** Update ids between the first and last recorded event that were never recorded. */
  missingIds: number;
  /** Recorded events that differ from the simulator's event with the same `u`. */
  different: number;
}

/**
 * Checks one symbol's records against the simulator's events: each recorded event is the
 * simulator's, none twice, and between consecutive events any hole is announced by a gap.
 */
export function auditRecords(records: RecordingRecord[], simEvents: readonly DepthUpdate[]): Audit {
  const byU = new Map(simEvents.map((e) => [e.u, e]));
  const audit: Audit = {
    events: 0,
    gaps: [],
    restSnapshots: 0,
    duplicates: 0,
    unannounced: [],
    missingIds: 0,
    different: 0,
  };
  const seen = new Set<number>();
  let prev: DepthUpdateRecord | null = null;
  let announced = false;
  let snapshotId: number | null = null;
  let first: number | null = null;
  let last = 0;
  for (const r of records) {
    if (r.type === "gap") {
      audit.gaps.push(r);
      announced = true;
    } else if (r.type === "snapshot" && r.source === "rest") {
      audit.restSnapshots++;
      snapshotId = r.lastUpdateId;
    } else if (r.type === "depthUpdate") {
      audit.events++;
      if (seen.has(r.u)) audit.duplicates++;
      seen.add(r.u);
      const sim = byU.get(r.u);
      if (
        sim !== undefined &&
        (sim.U !== r.U || JSON.stringify([sim.b, sim.a]) !== JSON.stringify([r.b, r.a]))
      ) audit.different++;
      // Futures events carry pu: continuity is pu == previous u (their ids skip).
      const continues = r.pu !== undefined ? r.pu === prev?.u : r.U === (prev?.u ?? 0) + 1;
      // An event right after a REST snapshot may follow the snapshot instead: the snapshot can be
      // ahead of the stream, the events it already holds are then stale, not recorded.
      const fromSnapshot = snapshotId !== null &&
        (r.pu !== undefined
          ? r.pu === snapshotId || (r.U <= snapshotId && snapshotId <= r.u)
          : r.U <= snapshotId + 1 && snapshotId + 1 <= r.u);
      snapshotId = null;
      if (prev !== null && !continues && !announced && !fromSnapshot) {
        audit.unannounced.push(
          r.pu !== undefined ? `pu=${r.pu} after u=${prev.u}` : `U=${r.U} after u=${prev.u}`,
        );
      }
      announced = false;
      prev = r;
      first ??= r.U;
      last = Math.max(last, r.u);
    }
  }
  if (first !== null) {
    const covered = new Set<number>();
    for (const u of seen) {
      const e = byU.get(u);
      if (e) { for (let id = e.U; id <= e.u; id++) covered.add(id); }
    }
    for (const e of simEvents) {
      if (e.U < first || e.u > last) continue;
      for (let id = e.U; id <= e.u; id++) if (!covered.has(id)) audit.missingIds++;
    }
  }
  return audit;
}

/** A BTCUSDT diff event `U`–`u` setting one bid at price `u` (unit tests of the sync). */
export function tinyEvent(U: number, u: number): DepthUpdate {
  return {
    e: "depthUpdate",
    E: 1_750_000_000_000 + u,
    s: "BTCUSDT",
    U,
    u,
    b: [[`${u}.0`, "1"]],
    a: [],
  };
}

/** A one-level-a-side snapshot at `lastUpdateId` (unit tests of the sync). */
export function tinySnapshot(lastUpdateId: number): DepthSnapshot {
  return { lastUpdateId, bids: [["1.0", "1"]], asks: [["999.0", "1"]] };
}

/** A record in a word, for comparing sequences: `e5-7`, `s4` (snapshot), `gap:sequence@7`, `clock`. */
export function recordKind(r: RecordingRecord): string {
  if (r.type === "depthUpdate") return `e${r.U}-${r.u}`;
  if (r.type === "snapshot") return `s${r.lastUpdateId}`;
  if (r.type === "gap") return `gap:${r.reason}@${r.lastUpdateId}`;
  return r.type;
}

/**
 * Asserts that `h` recorded `symbols` without loss: no gap, no missing or duplicated id, every
 * event as the simulator sent it, one REST snapshot each, and the book equal to the simulator's
 * after every applied event.
 */
export function assertLossless(h: Harness, symbols: readonly string[]): void {
  for (const symbol of symbols) {
    const audit = auditRecords(h.sink.of(symbol), h.sim.events(symbol));
    assert.equal(audit.gaps.length, 0, `${symbol}: ${JSON.stringify(audit.gaps)}`);
    assert.equal(audit.missingIds, 0, symbol);
    assert.equal(audit.duplicates, 0, symbol);
    assert.equal(audit.different, 0, symbol);
    assert.deepEqual(audit.unannounced, [], symbol);
    assert.equal(audit.restSnapshots, 1, symbol);
  }
  assert.deepEqual(h.mismatches, []);
}
