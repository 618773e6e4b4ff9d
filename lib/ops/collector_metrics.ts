/**
 * The collector's metrics, named in one place (see `docs/OPERATIONS.md` for the list): counters
 * the collector increments as things happen, and gauges read at scrape time from the providers it
 * attaches (symbol states, lag window, rotation hook, health).
 *
 * @module
 */
import type { ClockRecord } from "../recording/records.ts";
import type { HealthReport, SymbolState } from "./health.ts";
import type { LatencyWindow } from "../util/latency.ts";
import { type Counter, type Gauge, MetricsRegistry } from "./metrics.ts";
import type { RotateHookStats } from "./rotate_hook.ts";

/** Handles of every collector metric. */
export interface CollectorMetrics {
  /** The registry to render for `/metrics`. */
  registry: MetricsRegistry;
  /** `events_total{connection}`: diff events received. */
  events: Counter;
  /** `gaps_total{symbol,reason}`: gap records written. */
  gaps: Counter;
  /** `snapshots_total{symbol,source}`: snapshot records written (`rest` or `book`). */
  snapshots: Counter;
  /** `rest_requests_total{endpoint,code}`: REST answers by HTTP status (`error` when none). */
  restRequests: Counter;
  /** `rest_weight_used`: the last `X-MBX-USED-WEIGHT-1M` seen. */
  restWeightUsed: Gauge;
  /** `rest_weight_limit`: the weight allowed per minute. */
  restWeightLimit: Gauge;
  /** `bytes_written_total{symbol}`: compressed bytes appended to recording files. */
  bytesWritten: Counter;
  /** `write_errors_total`: failed writes or fsyncs. */
  writeErrors: Counter;
  /** `events_dropped_total{symbol}`: events dropped because the disk was too slow. */
  eventsDropped: Counter;
  /** `stream_records_total{symbol,stream}`: trade, aggTrade and bookTicker records written. */
  streamRecords: Counter;
  /** `stream_gaps_total{symbol,stream}`: gap records written into those streams' files. */
  streamGaps: Counter;
  /** `connections`: WebSocket connections open. */
  connections: Gauge;
  /** `reconnects_total{reason}`: connections replaced (server close, lifetime, silence, error). */
  reconnects: Counter;
  /** `clock_checks_total{result}`: clock measurements, `ok` or `error`. */
  clockChecks: Counter;
  /** Sets `clock_offset_seconds` and `clock_rtt_seconds` from a measurement. */
  observeClock(record: ClockRecord): void;
  /** Reads `symbols{state}` at scrape time. */
  watchSymbols(states: () => Iterable<SymbolState>): void;
  /** Reads `event_lag_seconds{quantile}` (0.5, 0.99) from a lag window at scrape time. */
  watchLag(window: LatencyWindow, now?: () => number): void;
  /** Reads `hook_runs_total{result}`, `hook_queue_length`, `retention_deleted_files_total`. */
  watchHook(stats: () => RotateHookStats): void;
  /** Reads `healthy` (1 or 0) at scrape time. */
  watchHealth(health: () => HealthReport): void;
}

/** Creates the registry with every collector metric registered. */
export function createCollectorMetrics(
  options: { version: string; startedAt: number; onCollectError?: (n: string, e: unknown) => void },
): CollectorMetrics {
  const registry = new MetricsRegistry(
    options.onCollectError ? { onCollectError: options.onCollectError } : {},
  );
  registry.gauge("build_info", "Version of the running collector (value 1).", {
    labelNames: ["version"],
  }).set({ version: options.version }, 1);
  registry.gauge("start_time_seconds", "Start of the process, Unix seconds.")
    .set({}, options.startedAt / 1000);
  // Absent until the first measurement: 0 would read as a perfect clock.
  let clock: ClockRecord | null = null;
  registry.gaugeFunc(
    "clock_offset_seconds",
    "Exchange time minus local time at the last clock check.",
    () => clock === null ? [] : clock.offsetMs / 1000,
  );
  registry.gaugeFunc(
    "clock_rtt_seconds",
    "Round trip of the last clock check.",
    () => clock === null ? [] : clock.rttMs / 1000,
  );
  const metrics: CollectorMetrics = {
    registry,
    events: registry.counter("events_total", "Diff events received.", {
      labelNames: ["connection"],
    }),
    gaps: registry.counter("gaps_total", "Gap records written.", {
      labelNames: ["symbol", "reason"],
    }),
    snapshots: registry.counter("snapshots_total", "Snapshot records written.", {
      labelNames: ["symbol", "source"],
    }),
    restRequests: registry.counter("rest_requests_total", "REST answers by HTTP status.", {
      labelNames: ["endpoint", "code"],
    }),
    restWeightUsed: registry.gauge("rest_weight_used", "REST weight used in the current minute."),
    restWeightLimit: registry.gauge("rest_weight_limit", "REST weight allowed per minute."),
    bytesWritten: registry.counter("bytes_written_total", "Bytes appended to recording files.", {
      labelNames: ["symbol"],
    }),
    writeErrors: registry.counter("write_errors_total", "Failed writes or fsyncs."),
    eventsDropped: registry.counter(
      "events_dropped_total",
      "Events dropped because the disk was too slow.",
      { labelNames: ["symbol"] },
    ),
    streamRecords: registry.counter(
      "stream_records_total",
      "Trade, aggTrade and bookTicker records written.",
      { labelNames: ["symbol", "stream"] },
    ),
    streamGaps: registry.counter(
      "stream_gaps_total",
      "Gap records written into trade, aggTrade and bookTicker files.",
      { labelNames: ["symbol", "stream"] },
    ),
    connections: registry.gauge("connections", "WebSocket connections open."),
    reconnects: registry.counter("reconnects_total", "WebSocket connections replaced.", {
      labelNames: ["reason"],
    }),
    clockChecks: registry.counter("clock_checks_total", "Clock measurements by result.", {
      labelNames: ["result"],
    }),
    observeClock(record) {
      clock = record;
    },
    watchSymbols(states) {
      registry.gaugeFunc("symbols", "Recorded symbols by sync state.", () => {
        const counts: Record<SymbolState, number> = { "in-sync": 0, resyncing: 0, stale: 0 };
        for (const s of states()) counts[s]++;
        return Object.entries(counts).map(([state, value]) => ({ labels: { state }, value }));
      }, { labelNames: ["state"] });
    },
    watchLag(window, now = Date.now) {
      registry.gaugeFunc(
        "event_lag_seconds",
        "Receipt time plus clock offset minus event time E, over the last one to two minutes.",
        () => {
          const recent = window.recent(now());
          return [0.5, 0.99].flatMap((q) => {
            const v = recent.quantile(q);
            return v === null ? [] : [{ labels: { quantile: String(q) }, value: v / 1000 }];
          });
        },
        { labelNames: ["quantile"] },
      );
    },
    watchHook(stats) {
      registry.counterFunc("hook_runs_total", "Rotation hook runs by result.", () => {
        const s = stats();
        return [
          { labels: { result: "ok" }, value: s.succeeded },
          { labels: { result: "failed" }, value: s.failed - s.timedOut },
          { labels: { result: "timeout" }, value: s.timedOut },
          { labels: { result: "dropped" }, value: s.dropped },
        ];
      }, { labelNames: ["result"] });
      registry.gaugeFunc("hook_queue_length", "Rotation hook jobs waiting or running.", () => {
        const s = stats();
        return s.queued + s.running;
      });
      registry.counterFunc(
        "retention_deleted_files_total",
        "Files deleted by retention.",
        () => stats().deleted,
      );
    },
    watchHealth(health) {
      registry.gaugeFunc(
        "healthy",
        "1 when /health answers 200, else 0.",
        () => health().ok ? 1 : 0,
      );
    },
  };
  return metrics;
}
