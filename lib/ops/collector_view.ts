/**
 * Reads a running collector and recorder for the operations modules: the status line's source,
 * the health policy's input, live books for `/book`, the lag of all symbols, and the collector
 * metrics brought up to date from their counters (before each scrape). Per-day figures (gaps and
 * bytes today) count from 00:00 UTC, or from start-up on the first day.
 *
 * @module
 */
import type { Collector } from "../collector/collector.ts";
import type { SymbolSync } from "../collector/symbol_sync.ts";
import type { RecorderStats } from "../storage/recorder_types.ts";
import { utcDay } from "../recording/records.ts";
import type { CollectorMetrics } from "./collector_metrics.ts";
import type { HealthInput, SymbolHealthInput } from "./health.ts";
import type { BookView } from "./http_server.ts";
import { LatencyHistogram, LatencySnapshot } from "../util/latency.ts";
import type { Counter, Labels, MetricsRegistry } from "./metrics.ts";
import type { ConnectionStatus, LaneStatus, StatusSource } from "./status.ts";

/** What is read from the recorder. */
export interface RecorderView {
  /** Its counters since it opened. */
  readonly stats: RecorderStats;
  /** Compressed bytes written since it opened, per symbol, when it counts them. */
  readonly bytesBySymbol?: ReadonlyMap<string, number>;
}

/** A failed write makes the process unhealthy for this long. */
export const WRITE_ERROR_HEALTH_MS = 60_000;

/** The lag histogram of every symbol at once (for `LatencyWindow`): only `snapshot()` is real. */
class SummedHistogram extends LatencyHistogram {
  readonly #read: () => LatencySnapshot;
  constructor(read: () => LatencySnapshot) {
    super();
    this.#read = read;
  }
  override snapshot(): LatencySnapshot {
    return this.#read();
  }
}

/** The operations' view of one collector and its recorder. */
export class CollectorView {
  readonly #collector: Collector;
  readonly #recorder: RecorderView;
  readonly #now: () => number;
  readonly #startedAt: number;
  #day: string;
  #gapBase = new Map<string, number>();
  #bytesBase = 0;
  #lastFrameAt: number | null = null;
  #writeErrors = 0;
  #writeErrorAt = -Infinity;
  /** Last value pushed into each counter series, by metric and labels. */
  #pushed = new Map<string, number>();

  /** Watches `collector` and `recorder`; `now` is epoch ms (default `Date.now`). */
  constructor(
    collector: Collector,
    recorder: RecorderView,
    options: { startedAt: number; now?: () => number },
  ) {
    this.#collector = collector;
    this.#recorder = recorder;
    this.#now = options.now ?? Date.now;
    this.#startedAt = options.startedAt;
    this.#day = utcDay(this.#now());
  }

  /** Moves the per-day baselines at 00:00 UTC. */
  #roll(): void {
    const day = utcDay(this.#now());
    if (day === this.#day) return;
    this.#day = day;
    for (const [symbol, state] of this.#collector.states()) {
      this.#gapBase.set(symbol, state.stats.gaps);
    }
    this.#bytesBase = this.#recorder.stats.bytesWritten;
  }

  #gapsToday(symbol: string, gaps: number): number {
    return Math.max(0, gaps - (this.#gapBase.get(symbol) ?? 0));
  }

  /** The numbers of each connection slot (id `"1"`, `"2"`, …), for the status line. */
  connections(): ConnectionStatus[] {
    this.#roll();
    const states = this.#collector.states();
    const lanes = new Map<number, LaneStatus[]>();
    for (const c of this.#collector.connections()) {
      if (c.role !== "current") continue;
      let list = lanes.get(c.slot);
      if (!list) lanes.set(c.slot, list = []);
      list.push({
        lane: c.lane,
        connection: c.id,
        first: c.first,
        repeated: c.repeated,
        lag: c.lag,
      });
    }
    return this.#collector.groups().map((symbols, i) => {
      const c: ConnectionStatus = {
        id: String(i + 1),
        events: 0,
        symbols: symbols.length,
        inSync: 0,
        resyncing: 0,
        gapsToday: 0,
        lag: LatencySnapshot.empty(),
        ...(lanes.has(i) ? { lanes: lanes.get(i)!.sort((a, b) => a.lane - b.lane) } : {}),
      };
      for (const symbol of symbols) {
        const s = states.get(symbol);
        if (!s) continue;
        c.events += s.stats.events;
        const state = s.status().state;
        if (state === "in-sync") c.inSync++;
        else if (state === "resyncing") c.resyncing++;
        c.gapsToday += this.#gapsToday(symbol, s.stats.gaps);
        c.lag = c.lag.plus(s.stats.lag.snapshot());
      }
      return c;
    });
  }

  /** Where the status line reads its numbers. */
  statusSource(): StatusSource {
    return {
      connections: () => this.connections(),
      totals: () => {
        this.#roll();
        const weight = this.#collector.restWeight();
        return {
          restWeightUsed: weight.used,
          restWeightLimit: weight.budget,
          bytesWrittenToday: Math.max(0, this.#recorder.stats.bytesWritten - this.#bytesBase),
        };
      },
    };
  }

  /** A histogram whose snapshots are the sum of every symbol's lag (for `watchLag`). */
  lagHistogram(): LatencyHistogram {
    return new SummedHistogram(() => {
      let all = LatencySnapshot.empty();
      for (const s of this.#collector.states().values()) all = all.plus(s.stats.lag.snapshot());
      return all;
    });
  }

  /** The health policy's input now. */
  healthInput(): HealthInput {
    const now = this.#now();
    for (const c of this.#collector.connections()) {
      if (c.messages > 0 && c.lastMessageAt > (this.#lastFrameAt ?? -Infinity)) {
        this.#lastFrameAt = c.lastMessageAt;
      }
    }
    const symbols: Record<string, SymbolHealthInput> = {};
    for (const [symbol, state] of this.#collector.states()) symbols[symbol] = state.status();
    const writeErrors = this.#recorder.stats.writeErrors;
    if (writeErrors > this.#writeErrors) {
      this.#writeErrors = writeErrors;
      this.#writeErrorAt = now;
    }
    const problems: string[] = [];
    if (now - this.#writeErrorAt < WRITE_ERROR_HEALTH_MS) {
      problems.push(
        `write-error: ${writeErrors} failed writes, the last within ${
          WRITE_ERROR_HEALTH_MS / 1000
        } s`,
      );
    }
    return { startedAt: this.#startedAt, lastFrameAt: this.#lastFrameAt, symbols, problems };
  }

  /** The live top `depth` levels of `symbol`, or why there are none. */
  book(symbol: string, depth: number): BookView | "unknown" | "out-of-sync" {
    const state = this.#collector.states().get(symbol);
    if (!state) return "unknown";
    if (!state.inSync) return "out-of-sync";
    const book = state.sync.book;
    return { lastUpdateId: book.lastUpdateId, ...book.top(depth) };
  }

  /** Registers the per-symbol metrics: `symbol_events_total`, `symbol_in_sync`. */
  registerSymbolMetrics(registry: MetricsRegistry): void {
    const each = (value: (s: SymbolSync) => number) =>
      [...this.#collector.states()].map(([symbol, s]) => ({ labels: { symbol }, value: value(s) }));
    registry.counterFunc(
      "symbol_events_total",
      "Diff events received, by symbol.",
      () => each((s) => s.stats.events),
      { labelNames: ["symbol"] },
    );
    registry.gaugeFunc(
      "symbol_in_sync",
      "1 when the symbol's book is in sync, else 0.",
      () => each((s) => (s.inSync ? 1 : 0)),
      { labelNames: ["symbol"] },
    );
  }

  /** Adds to `counter` what `value` grew by since the last push (counters never go back). */
  #push(name: string, counter: Counter, labels: Labels, value: number): void {
    const key = `${name}${JSON.stringify(labels)}`;
    const prev = this.#pushed.get(key);
    // A series shows from its first push, at 0 too, so that rates and alerts see it.
    if (prev === undefined || value > prev) counter.inc(labels, Math.max(0, value - (prev ?? 0)));
    this.#pushed.set(key, Math.max(prev ?? 0, value));
  }

  /** Brings the counters and gauges of `m` up to date (call before rendering). */
  updateMetrics(m: CollectorMetrics): void {
    for (const c of this.connections()) {
      this.#push("events", m.events, { connection: c.id }, c.events);
    }
    for (const [symbol, s] of this.#collector.states()) {
      for (const [reason, n] of Object.entries(s.stats.gapReasons)) {
        this.#push("gaps", m.gaps, { symbol, reason }, n ?? 0);
      }
      for (const [source, n] of Object.entries(s.stats.snapshotRecords)) {
        this.#push("snapshots", m.snapshots, { symbol, source }, n);
      }
    }
    for (const [symbol, merges] of this.#collector.streamMerges()) {
      for (const merge of merges) {
        const labels = { symbol, stream: merge.kind };
        this.#push("streamRecords", m.streamRecords, labels, merge.stats.recorded);
        this.#push("streamGaps", m.streamGaps, labels, merge.stats.gaps);
      }
    }
    const stats = this.#collector.stats();
    const rest = stats.snapshots;
    const depth = (code: string, n: number) =>
      this.#push("rest", m.restRequests, { endpoint: "depth", code }, n);
    depth("200", rest.received);
    depth("429", rest.status429);
    depth("418", rest.status418);
    depth("error", rest.failed);
    const weight = this.#collector.restWeight();
    m.restWeightUsed.set({}, weight.used);
    m.restWeightLimit.set({}, weight.budget);
    const rec = this.#recorder.stats;
    const bySymbol = this.#recorder.bytesBySymbol;
    if (bySymbol) {
      for (const [symbol, n] of bySymbol) this.#push("bytes", m.bytesWritten, { symbol }, n);
    } else this.#push("bytes", m.bytesWritten, { symbol: "all" }, rec.bytesWritten);
    // The recorder counts drops for all symbols together.
    this.#push("dropped", m.eventsDropped, { symbol: "all" }, rec.droppedRecords);
    this.#push("writeErrors", m.writeErrors, {}, rec.writeErrors);
    m.connections.set({}, this.#collector.connections().filter((c) => c.open).length);
    const pool = stats.connections;
    const reconnect = (reason: string, n: number) =>
      this.#push("reconnects", m.reconnects, { reason }, Math.max(0, n));
    reconnect("drop", pool.drops - pool.silences);
    reconnect("silence", pool.silences);
    reconnect("rollover", pool.rollovers - pool.shutdownNotices);
    reconnect("serverShutdown", pool.shutdownNotices);
  }
}
