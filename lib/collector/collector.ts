/**
 * The collector: every configured symbol's book kept in sync from Binance's diff-depth streams,
 * every event recorded. Wires the pieces together:
 *
 * socket message → {@linkcode Connection} (parse) → {@linkcode FrameRouter} (by stream) →
 * `FeedMerge` (the connection layer: every connection carrying the symbol merged into one run) →
 * {@linkcode SymbolSync} (record, then `DepthSync`) → book.
 *
 * Snapshots come from one {@linkcode SnapshotScheduler}; connections from one
 * {@linkcode ConnectionPool}.
 *
 * @module
 */
import { MARKET_LIMITS, marketDepthWeight } from "../binance/limits.ts";
import type { DepthSnapshot } from "../binance/types.ts";
import { depthStreamName, streamNameOf } from "../binance/urls.ts";
import type { OrderBook } from "../book/order_book.ts";
import type { CollectorConfig } from "../cli/config.ts";
import { type Logger, rateLimited } from "../util/log.ts";
import { receiveTime } from "../recording/records.ts";
import type { Connection } from "./connection.ts";
import type { ConnectionPacer } from "./connection_pacer.ts";
import { type ConnectionInfo, ConnectionPool, emptyPoolStats } from "./connection_pool.ts";
import { type CollectorStats, collectStats } from "./collector_stats.ts";
import { FrameRouter } from "./frame_router.ts";
import { discoverSymbols } from "./discover.ts";
import { planConnections } from "./plan.ts";
import type { RecordSink } from "./sink.ts";
import { fmtDuration, fmtMs, SnapshotScheduler } from "./snapshot_scheduler.ts";
import type { FeedMerge } from "./feed_merge.ts";
import { SymbolSync } from "./symbol_sync.ts";
import { type RecordedStream, StreamMerge } from "./stream_merge.ts";
import { WeightBudget } from "./weight_budget.ts";

/** Side effects and observers of {@linkcode startCollector}. */
export interface CollectorOptions {
  /** Where records go (the storage `Recorder`, or a `MemorySink` in tests). */
  sink: RecordSink;
  log: Logger;
  /** HTTP client; the global `fetch` by default. */
  fetch?: typeof fetch;
  /** WebSocket constructor; the global one by default. */
  WebSocket?: typeof WebSocket;
  /** Clock, epoch ms; `Date.now` by default. */
  now?: () => number;
  /** Observer for tests: called after every applied event and every sync, with the book. */
  onApplied?: (symbol: string, book: OrderBook) => void;
  /** Length of the exchange's weight window, ms (a minute; tests scale it down). */
  weightWindowMs?: number;
  /** Pacing of connection attempts (tests loosen it). */
  pacer?: ConnectionPacer;
  /** Longest a connection handoff may take once the new connection is open. */
  handoffTimeoutMs?: number;
  /** Time between the first connections of a group's redundant lanes, ms (3000 by default). */
  laneStaggerMs?: number;
  /**
   * Exchange minus local time, ms (the last clock check), added to receipt times for the lag
   * figures (`recv + offset - E`); 0 when omitted.
   */
  clockOffsetMs?: () => number;
}

export type { CollectorStats } from "./collector_stats.ts";

/** A running collector. */
export interface Collector {
  /** Resolves once the symbols are known and connections are starting; rejects on bad input. */
  readonly ready: Promise<void>;
  /** Stops taking frames, closes connections and requests; resolves when all is quiet. */
  stop(): Promise<void>;
  /** Counters. */
  stats(): CollectorStats;
  /** The in-sync book of `symbol`, or `null` (for final checkpoints). */
  books(symbol: string): DepthSnapshot | null;
  /** The per-symbol states (read-only use); empty when depth is not recorded. */
  states(): ReadonlyMap<string, SymbolSync>;
  /** Each symbol's other recorded streams (trade, aggTrade, bookTicker), read-only use. */
  streamMerges(): ReadonlyMap<string, readonly StreamMerge[]>;
  /** The connections. */
  connections(): ConnectionInfo[];
  /** The symbols of each connection slot (`ConnectionInfo.slot` indexes it); empty before ready. */
  groups(): readonly (readonly string[])[];
  /** Starts a planned replacement of every connection now (operations, tests). */
  rolloverAll(): void;
  /** REST weight counted as used in the current window, and the budget we allow ourselves. */
  restWeight(): { used: number; budget: number };
  /**
   * The process's REST weight budget, for other requests (clock checks) to respect: nothing may
   * be sent while it is blocked after a 429 or 418, or the exchange bans the IP.
   */
  restBudget(): WeightBudget;
}

const NOISY_LOG_MS = 10_000;
/** At most one gap line a second (a dropped connection makes one gap per symbol). */
const GAP_LOG_MS = 1000;
/** Sync progress is logged at least this often while symbols wait for snapshots. */
const PROGRESS_MS = 10_000;

/** Starts following the configured symbols; see {@linkcode Collector}. */
export function startCollector(config: CollectorConfig, options: CollectorOptions): Collector {
  const log = options.log;
  const now = options.now ?? Date.now;
  const fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  const states = new Map<string, SymbolSync>();
  const streamMerges = new Map<string, StreamMerge[]>();
  const kinds = config.streams ?? ["depth"];
  const others = kinds.filter((k): k is RecordedStream => k !== "depth");
  const market = config.market ?? "spot";
  const defaultWeight = MARKET_LIMITS[market].defaultWeightPerMinute;
  const budget = new WeightBudget({
    budget: defaultWeight * config.weightBudgetShare,
    ...(options.weightWindowMs ? { windowMs: options.weightWindowMs } : {}),
  });
  const noisy = {
    malformed: rateLimited(log, "malformed-frame", NOISY_LOG_MS, { now }),
    unknown: rateLimited(log, "unknown-stream", NOISY_LOG_MS, { now }),
    crossed: rateLimited(log, "crossed-book", NOISY_LOG_MS, { now }),
    gap: rateLimited(log, "gap", GAP_LOG_MS, { now }),
  };
  const router = new FrameRouter<Connection, FeedMerge>(noisy);
  let stopping = false;
  let pool: ConnectionPool | null = null;
  let groups: readonly (readonly string[])[] = [];
  const discovery = new AbortController();
  const timers = new Set<ReturnType<typeof setInterval>>();

  const scheduler = new SnapshotScheduler({
    restUrl: config.restUrl,
    market,
    limit: config.snapshotLimit,
    budget,
    fetch: fetchFn,
    now,
    log,
    onDispatch: (symbol) => states.get(symbol)?.onSnapshotDispatched(),
    onSnapshot: (symbol, snapshot, recv) => {
      if (!stopping) states.get(symbol)?.onSnapshot(snapshot, recv);
    },
  });

  async function start(): Promise<void> {
    const found = await discoverSymbols(config, {
      fetch: fetchFn,
      budget,
      log,
      now,
      signal: discovery.signal,
    });
    if (stopping) return;
    budget.budget = (found.weightPerMinute ?? defaultWeight) *
      config.weightBudgetShare;
    for (const symbol of found.symbols) {
      if (others.length > 0) {
        const ctx = {
          sink: options.sink,
          recvNow: receiveTime,
          gapLog: noisy.gap,
          holdMs: config.silenceTimeoutMs,
          maxHeld: config.maxBufferedEvents,
          now,
        };
        streamMerges.set(symbol, others.map((kind) => new StreamMerge(symbol, kind, ctx)));
      }
      if (!kinds.includes("depth")) continue;
      states.set(
        symbol,
        new SymbolSync(symbol, {
          sink: options.sink,
          requestSnapshot: (s, priority) => scheduler.request(s, priority),
          cancelSnapshot: (s) => scheduler.cancel(s),
          ...(options.clockOffsetMs ? { clockOffsetMs: options.clockOffsetMs } : {}),
          ...(options.onApplied ? { onApplied: options.onApplied } : {}),
          crossedLog: noisy.crossed,
          gapLog: noisy.gap,
          log,
          recvNow: receiveTime,
          now,
        }, { maxBuffered: config.maxBufferedEvents, market }),
      );
    }
    groups = planConnections(found.symbols, config.maxStreamsPerConnection, kinds.length);
    log.info(
      `Following ${found.symbols.length} symbols (${kinds.join(", ")}) on ${groups.length} ` +
        `connection(s)` +
        (config.redundancy > 1 ? `, each carried ${config.redundancy} times; ` : "; ") +
        (config.snapshotLimit === "auto"
          ? `snapshot depth fitted to each book (weight ${
            marketDepthWeight(market, MARKET_LIMITS[market].depthLimitTiers[0]!)
          } to ${marketDepthWeight(market, MARKET_LIMITS[market].maxDepthLimit)}), `
          : `snapshot limit ${config.snapshotLimit} (weight ${
            marketDepthWeight(market, config.snapshotLimit)
          }), `) +
        `weight budget ${budget.budget} a minute`,
      {
        symbols: found.symbols.length,
        connections: groups.length,
        redundancy: config.redundancy,
      },
    );
    pool = new ConnectionPool({
      wsUrl: config.wsUrl,
      market,
      speed: config.speed,
      streams: kinds,
      streamFeeds: streamMerges,
      groups,
      runs: states,
      maxHeld: config.maxBufferedEvents,
      holdMs: config.silenceTimeoutMs,
      clockOffsetMs: options.clockOffsetMs ?? (() => 0),
      redundancy: config.redundancy,
      ...(options.laneStaggerMs !== undefined ? { laneStaggerMs: options.laneStaggerMs } : {}),
      silenceTimeoutMs: config.silenceTimeoutMs,
      rolloverAfterMs: config.rolloverAfterMs,
      reconnectBaseMs: config.reconnectBaseMs,
      reconnectMaxMs: config.reconnectMaxMs,
      ...(options.handoffTimeoutMs ? { handoffTimeoutMs: options.handoffTimeoutMs } : {}),
      ...(options.pacer ? { pacer: options.pacer } : {}),
      ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
      now,
      log,
      hooks: {
        // The frame path: connection (parse) → router (by stream) → merge → symbol (record, sync).
        onFrame: (conn, frame, recv) => {
          if (!stopping) router.route(conn, frame, recv);
        },
        onMalformed: (conn, error) => router.malformed(conn, error),
      },
    });
    for (const [symbol, merge] of pool.merges()) {
      router.add(depthStreamName(symbol, config.speed), merge);
    }
    for (const [symbol, merges] of streamMerges) {
      for (const merge of merges) {
        router.addStream(streamNameOf(symbol, merge.kind, config.speed), merge);
      }
    }
    pool.start();
    if (config.statusIntervalMs > 0) {
      timers.add(setInterval(progress, Math.min(config.statusIntervalMs, PROGRESS_MS)));
    }
  }

  let allSyncedLogged = false;
  /**
   * While symbols wait for snapshots: "snapshots: 48/300 synced, next in 2.5 s, all in about
   * 4.2 min".
   */
  function progress(): void {
    const s = stats();
    if (s.inSync < s.symbols) {
      allSyncedLogged = false;
      const next = scheduler.nextInMs();
      const eta = scheduler.etaMs();
      log.info(
        `snapshots: ${s.inSync}/${s.symbols} synced` +
          (next === null ? "" : `, next in ${fmtMs(next)}, all in about ${fmtDuration(eta)}`),
        {
          inSync: s.inSync,
          symbols: s.symbols,
          queued: scheduler.queued,
          ...(next === null ? {} : { etaMs: Math.round(eta) }),
        },
      );
    } else if (!allSyncedLogged) {
      allSyncedLogged = true;
      log.info(`snapshots: all ${s.symbols} symbols synced`, { symbols: s.symbols });
    }
  }

  function stats(): CollectorStats {
    return collectStats({
      states: states.values(),
      router: router.stats,
      snapshots: scheduler.stats,
      pool: pool?.stats ?? emptyPoolStats(),
    });
  }

  const ready = start();
  ready.catch(() => {}); // The caller awaits `ready`; an unawaited rejection must not crash.

  return {
    ready,
    async stop() {
      if (stopping) return;
      stopping = true;
      discovery.abort();
      for (const t of timers) clearInterval(t);
      await Promise.allSettled([ready]);
      await Promise.all([pool?.stop(), scheduler.close()]);
      for (const l of Object.values(noisy)) l.flush();
    },
    stats,
    books: (symbol) => states.get(symbol)?.book() ?? null,
    states: () => states,
    streamMerges: () => streamMerges,
    connections: () => pool?.connections() ?? [],
    groups: () => groups,
    rolloverAll: () => pool?.rolloverAll(),
    restWeight: () => ({ used: budget.used(now()), budget: budget.budget }),
    restBudget: () => budget,
  };
}
