/**
 * The status line: one log line a minute (configurable) and on SIGUSR1, with per connection and in
 * total: events/s, symbols in sync / resyncing / stale, gaps today, the lag from event time `E` to
 * receipt (p50/p99 over the interval; the collector corrects receipt times by the measured clock
 * offset), REST weight used and bytes written today. The numbers come
 * from a {@linkcode StatusSource}; rates and interval quantiles are computed here from cumulative
 * counts, so the source only keeps counters. Every number is also a structured log field.
 *
 * @module
 */
import { LatencySnapshot } from "../util/latency.ts";
import { formatBytes } from "../util/format_bytes.ts";
import type { Logger } from "../util/log.ts";

/** Cumulative numbers of one WebSocket connection. */
export interface ConnectionStatus {
  /** Stable name of the connection, e.g. `"1"`. */
  id: string;
  /** Diff events received since the connection was created. */
  events: number;
  /** Symbols it carries. */
  symbols: number;
  /** Of those, in sync. */
  inSync: number;
  /** Of those, waiting for a snapshot or bridging one. */
  resyncing: number;
  /** Gaps recorded today (UTC) for its symbols. */
  gapsToday: number;
  /** Receipt time + clock offset − `E`, ms, all so far (`LatencyHistogram.snapshot()`). */
  lag: LatencySnapshot;
  /** With redundant connections: each lane's current connection and what it delivered. */
  lanes?: LaneStatus[];
}

/** One lane (redundant connection) of a connection slot, cumulative numbers. */
export interface LaneStatus {
  /** Lane, from 0. */
  lane: number;
  /** The lane's current connection's id. */
  connection: number;
  /** Depth events it delivered first (the ones recorded). */
  first: number;
  /** Depth events it delivered after another lane. */
  repeated: number;
  /** Its events' lag from `E`, ms. */
  lag: LatencySnapshot;
}

/** One lane in a status line: which connection is faster. */
export interface LaneLine {
  /** Lane, from 0. */
  lane: number;
  /** Its current connection's id. */
  connection: number;
  /** Share of the interval's events it delivered first, 0..1; `null` when none arrived. */
  firstShare: number | null;
  /** Median lag of its events over the interval, ms. */
  lagP50Ms: number | null;
}

/** Process-wide numbers. */
export interface StatusTotals {
  /** REST weight used in the current minute (`X-MBX-USED-WEIGHT-1M`). */
  restWeightUsed: number;
  /** REST weight allowed per minute. */
  restWeightLimit: number;
  /** Bytes written to recording files today (UTC). */
  bytesWrittenToday: number;
}

/** Where the status numbers come from. */
export interface StatusSource {
  /** Each live connection. */
  connections(): ConnectionStatus[];
  /** Process-wide numbers. */
  totals(): StatusTotals;
}

/** The numbers of one connection in a status line. */
export interface ConnectionLine {
  /** The connection's name. */
  id: string;
  /** Diff events received per second over the interval. */
  eventsPerSec: number;
  /** Symbols carried. */
  symbols: number;
  /** Of those, in sync. */
  inSync: number;
  /** Of those, resyncing. */
  resyncing: number;
  /** Neither in sync nor resyncing (connection down or silent). */
  stale: number;
  /** Gaps recorded today (UTC). */
  gapsToday: number;
  /** Median lag from `E` to receipt over the interval, ms; `null` when no event arrived. */
  lagP50Ms: number | null;
  /** 99th percentile of the lag over the interval, ms; `null` when no event arrived. */
  lagP99Ms: number | null;
  /** With redundant connections, each lane. */
  lanes?: LaneLine[];
}

/** The structured fields of a status line: totals, then each connection. */
export interface StatusFields extends Omit<ConnectionLine, "id">, StatusTotals {
  /** Seconds the rates and lags cover. */
  intervalSec: number;
  /** Each connection. */
  connections: ConnectionLine[];
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const roundLag = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);

/** Turns cumulative source numbers into interval rates and quantiles, line after line. */
export class StatusTracker {
  readonly #source: StatusSource;
  #lastAt: number;
  #prev = new Map<string, { events: number; lag: LatencySnapshot }>();
  #prevLanes = new Map<string, LaneStatus>();

  /** Starts the first interval at `now` (epoch ms). */
  constructor(source: StatusSource, now: number) {
    this.#source = source;
    this.#lastAt = now;
  }

  #lanes(slot: string, lanes: readonly LaneStatus[], next: Map<string, LaneStatus>): LaneLine[] {
    const key = (l: LaneStatus) => `${slot}/${l.connection}`;
    for (const l of lanes) next.set(key(l), l);
    return laneLines(lanes, (l) => this.#prevLanes.get(key(l)));
  }

  /** The fields of a line at `now`, covering the time since the previous line. */
  line(now: number): StatusFields {
    const seconds = Math.max((now - this.#lastAt) / 1000, 1e-3);
    this.#lastAt = now;
    const next = new Map<string, { events: number; lag: LatencySnapshot }>();
    const nextLanes = new Map<string, LaneStatus>();
    const connections: ConnectionLine[] = [];
    let allLag = LatencySnapshot.empty();
    let events = 0;
    for (const c of this.#source.connections()) {
      const prev = this.#prev.get(c.id);
      // A counter that went back means a new connection under the same id: count from 0.
      const delta = prev && prev.events <= c.events ? c.events - prev.events : c.events;
      const lag = prev ? c.lag.since(prev.lag) : c.lag;
      next.set(c.id, { events: c.events, lag: c.lag });
      allLag = allLag.plus(lag);
      events += delta;
      connections.push({
        id: c.id,
        eventsPerSec: round1(delta / seconds),
        symbols: c.symbols,
        inSync: c.inSync,
        resyncing: c.resyncing,
        stale: Math.max(0, c.symbols - c.inSync - c.resyncing),
        gapsToday: c.gapsToday,
        lagP50Ms: roundLag(lag.quantile(0.5)),
        lagP99Ms: roundLag(lag.quantile(0.99)),
        ...(c.lanes ? { lanes: this.#lanes(c.id, c.lanes, nextLanes) } : {}),
      });
    }
    this.#prev = next;
    this.#prevLanes = nextLanes;
    const sum = (f: (c: ConnectionLine) => number) => connections.reduce((a, c) => a + f(c), 0);
    const totals = this.#source.totals();
    return {
      intervalSec: round1(seconds),
      eventsPerSec: round1(events / seconds),
      symbols: sum((c) => c.symbols),
      inSync: sum((c) => c.inSync),
      resyncing: sum((c) => c.resyncing),
      stale: sum((c) => c.stale),
      gapsToday: sum((c) => c.gapsToday),
      lagP50Ms: roundLag(allLag.quantile(0.5)),
      lagP99Ms: roundLag(allLag.quantile(0.99)),
      restWeightUsed: totals.restWeightUsed,
      restWeightLimit: totals.restWeightLimit,
      bytesWrittenToday: totals.bytesWrittenToday,
      connections,
    };
  }
}

/** The share of first deliveries and the lag of each lane over the interval. */
function laneLines(
  lanes: readonly LaneStatus[],
  prevOf: (l: LaneStatus) => LaneStatus | undefined,
): LaneLine[] {
  return lanes.map((l) => {
    const prev = prevOf(l);
    const first = l.first - (prev?.first ?? 0);
    const all = first + l.repeated - (prev?.repeated ?? 0);
    const lag = prev ? l.lag.since(prev.lag) : l.lag;
    return {
      lane: l.lane,
      connection: l.connection,
      firstShare: all > 0 ? Math.round(first / all * 1000) / 1000 : null,
      lagP50Ms: roundLag(lag.quantile(0.5)),
    };
  });
}

const lagText = (l: Pick<ConnectionLine, "lagP50Ms" | "lagP99Ms">) =>
  l.lagP50Ms === null ? "lag -" : `lag p50 ${l.lagP50Ms} ms p99 ${l.lagP99Ms} ms`;

const laneText = (l: LaneLine) =>
  `lane ${l.lane + 1} (#${l.connection}) ${
    l.firstShare === null ? "-" : `${Math.round(l.firstShare * 100)}%`
  } first, p50 ${l.lagP50Ms ?? "-"} ms`;

/** The human message of a status line (the numbers also travel as fields). */
export function formatStatus(f: StatusFields): string {
  const head = `status: ${f.eventsPerSec} ev/s, ${f.inSync}/${f.symbols} in sync, ` +
    `${f.resyncing} resyncing, ${f.stale} stale, ${f.gapsToday} gaps today, ${lagText(f)}, ` +
    `weight ${f.restWeightUsed}/${f.restWeightLimit}, ${formatBytes(f.bytesWrittenToday)} today`;
  const parts = f.connections.map((c) =>
    `conn ${c.id}: ${c.eventsPerSec} ev/s, ${c.inSync}/${c.symbols} in sync, ` +
    `${c.resyncing} resyncing, ${c.gapsToday} gaps, ${lagText(c)}` +
    (c.lanes && c.lanes.length > 1 ? `, ${c.lanes.map(laneText).join(", ")}` : "")
  );
  return [head, ...parts].join(" | ");
}

/** Options of {@linkcode startStatus}. */
export interface StatusOptions {
  /** Time between lines. Default 60 000 ms. */
  intervalMs?: number;
  /** Also log a line on this signal; `null` for none. Default `"SIGUSR1"` (not on Windows). */
  signal?: Deno.Signal | null;
  /** Current time, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** A running status reporter. */
export interface StatusReporter {
  /** Logs a line now (as on the signal) and returns its fields. */
  emit(): StatusFields;
  /** Stops the timer and removes the signal listener. */
  stop(): void;
}

/** Logs a status line every `intervalMs` and on the signal. */
export function startStatus(
  source: StatusSource,
  logger: Logger,
  options: StatusOptions = {},
): StatusReporter {
  const intervalMs = options.intervalMs ?? 60_000;
  if (!(intervalMs > 0)) {
    throw new RangeError(`Invalid status interval ${intervalMs} ms: expected more than 0`);
  }
  const now = options.now ?? Date.now;
  const tracker = new StatusTracker(source, now());
  const emit = (): StatusFields => {
    const fields = tracker.line(now());
    logger.info(formatStatus(fields), { ...fields });
    return fields;
  };
  const safeEmit = () => {
    try {
      emit();
    } catch (error) {
      logger.error("status line failed", { error: String(error) });
    }
  };
  const timer = setInterval(safeEmit, intervalMs);
  const signal = options.signal === undefined ? "SIGUSR1" : options.signal;
  let listening = false;
  if (signal !== null && Deno.build.os !== "windows") {
    try {
      Deno.addSignalListener(signal, safeEmit);
      listening = true;
    } catch (error) {
      logger.warn(`status on ${signal} is not available`, { error: String(error) });
    }
  }
  return {
    emit,
    stop() {
      clearInterval(timer);
      if (listening) {
        listening = false;
        Deno.removeSignalListener(signal!, safeEmit);
      }
    },
  };
}
