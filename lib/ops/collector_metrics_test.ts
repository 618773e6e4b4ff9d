import assert from "node:assert/strict";
import { createCollectorMetrics } from "./collector_metrics.ts";
import { LatencyHistogram, LatencyWindow } from "../util/latency.ts";
import type { RotateHookStats } from "./rotate_hook.ts";

Deno.test("createCollectorMetrics() renders every collector metric under its documented name", () => {
  const m = createCollectorMetrics({ version: "0.1.0", startedAt: 1_750_809_600_000 });
  m.events.inc({ connection: "1" }, 10);
  m.gaps.inc({ symbol: "BTCUSDT", reason: "sequence" });
  m.snapshots.inc({ symbol: "BTCUSDT", source: "rest" });
  m.restRequests.inc({ endpoint: "depth", code: "200" });
  m.restWeightUsed.set({}, 250);
  m.restWeightLimit.set({}, 6000);
  m.bytesWritten.inc({ symbol: "BTCUSDT" }, 4096);
  m.eventsDropped.inc({ symbol: "BTCUSDT" }, 0);
  m.streamRecords.inc({ symbol: "BTCUSDT", stream: "trade" }, 7);
  m.streamGaps.inc({ symbol: "BTCUSDT", stream: "trade" }, 0);
  m.connections.set({}, 1);
  m.reconnects.inc({ reason: "lifetime" });
  m.clockChecks.inc({ result: "ok" });
  m.observeClock({ type: "clock", recv: 0, serverTime: 1, offsetMs: -3.5, rttMs: 40 });
  m.watchSymbols(() => ["in-sync", "in-sync", "resyncing"]);
  const lag = new LatencyHistogram();
  lag.record(60_000); // before the window started: not shown
  m.watchLag(new LatencyWindow(lag, 0), () => 10);
  for (let i = 0; i < 100; i++) lag.record(1000);
  const stats: RotateHookStats = {
    queued: 2,
    running: 1,
    succeeded: 5,
    failed: 3,
    timedOut: 1,
    dropped: 0,
    deleted: 6,
  };
  m.watchHook(() => stats);
  let ok = true;
  m.watchHealth(() => ({
    ok,
    reasons: [],
    checkedAt: 0,
    silentForMs: 0,
    inSync: 0,
    outOfSync: 0,
    symbols: {},
  }));
  const text = m.registry.render();
  const samples = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  assert.deepEqual(samples, [
    'collector_build_info{version="0.1.0"} 1',
    "collector_start_time_seconds 1750809600",
    "collector_clock_offset_seconds -0.0035",
    "collector_clock_rtt_seconds 0.04",
    'collector_events_total{connection="1"} 10',
    'collector_gaps_total{symbol="BTCUSDT",reason="sequence"} 1',
    'collector_snapshots_total{symbol="BTCUSDT",source="rest"} 1',
    'collector_rest_requests_total{endpoint="depth",code="200"} 1',
    "collector_rest_weight_used 250",
    "collector_rest_weight_limit 6000",
    'collector_bytes_written_total{symbol="BTCUSDT"} 4096',
    "collector_write_errors_total 0",
    'collector_events_dropped_total{symbol="BTCUSDT"} 0',
    'collector_stream_records_total{symbol="BTCUSDT",stream="trade"} 7',
    'collector_stream_gaps_total{symbol="BTCUSDT",stream="trade"} 0',
    "collector_connections 1",
    'collector_reconnects_total{reason="lifetime"} 1',
    'collector_clock_checks_total{result="ok"} 1',
    'collector_symbols{state="in-sync"} 2',
    'collector_symbols{state="resyncing"} 1',
    'collector_symbols{state="stale"} 0',
    // 1000 ms, as its bucket's middle (estimates are within 4.5%).
    'collector_event_lag_seconds{quantile="0.5"} 0.9805857594353394',
    'collector_event_lag_seconds{quantile="0.99"} 0.9805857594353394',
    'collector_hook_runs_total{result="ok"} 5',
    'collector_hook_runs_total{result="failed"} 2',
    'collector_hook_runs_total{result="timeout"} 1',
    'collector_hook_runs_total{result="dropped"} 0',
    "collector_hook_queue_length 3",
    "collector_retention_deleted_files_total 6",
    "collector_healthy 1",
  ]);
  assert.match(text, /^# TYPE collector_hook_runs_total counter$/m);
  assert.match(text, /^# TYPE collector_event_lag_seconds gauge$/m);
  ok = false;
  assert.match(m.registry.render(), /^collector_healthy 0$/m);
});

Deno.test("createCollectorMetrics() leaves out the clock and lag until there is something to show", () => {
  const m = createCollectorMetrics({ version: "x", startedAt: 0 });
  m.watchLag(new LatencyWindow(new LatencyHistogram(), 0), () => 0);
  const text = m.registry.render();
  assert.doesNotMatch(text, /^collector_clock_offset_seconds /m);
  assert.doesNotMatch(text, /^collector_event_lag_seconds/m);
  assert.match(text, /^# HELP collector_clock_offset_seconds /m);
});
