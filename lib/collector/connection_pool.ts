/**
 * The connection layer of the collector: `redundancy` {@linkcode ConnectionSlot}s (lanes) per
 * group of symbols (see `planConnections`), each with a current connection carrying every stream
 * of the group, opened through one shared {@linkcode ConnectionPacer}, and one
 * {@linkcode FeedMerge} per symbol that merges what the lanes deliver into one continuous run for
 * the symbol's `SymbolSync`, so losing one lane loses nothing. A dropped connection is reopened with
 * capped, jittered backoff, for ever. A planned replacement (before the 24 h limit, or on
 * `serverShutdown`) opens the new connection first and retires the old one once every symbol's
 * merge says the new one has caught up, so nothing is lost and no snapshot is needed; the handoff
 * never leaves this layer. How one slot does this is in `connection_slot.ts`; the pool holds the
 * slots, the merges, what they share, and their counters.
 *
 * @module
 */
import type { FrameError } from "../binance/parse.ts";
import type { CombinedFrame, StreamKind } from "../binance/types.ts";
import type { AnyDepthSpeed } from "../binance/urls.ts";
import type { Market } from "../binance/limits.ts";
import type { Logger } from "../util/log.ts";
import type { LatencySnapshot } from "../util/latency.ts";
import type { Connection } from "./connection.ts";
import { ConnectionPacer } from "./connection_pacer.ts";
import { ConnectionSlot, type SlotContext, type SlotFeeds } from "./connection_slot.ts";
import { FeedMerge, type FeedMergeOptions, type RunTarget } from "./feed_merge.ts";

/** What the pool tells its owner. */
export interface PoolHooks {
  /** A frame from `conn` (the owner routes it to the symbol's `FeedMerge`). */
  onFrame(conn: Connection, frame: CombinedFrame, recv: number): void;
  /** A message from `conn` that is not a frame. */
  onMalformed?(conn: Connection, error: FrameError): void;
}

/** Options of {@linkcode ConnectionPool}. */
export interface ConnectionPoolOptions {
  /** WebSocket base URL. */
  wsUrl: string;
  /** The market: its stream path (`/stream`, usdm `/public/stream`); spot by default. */
  market?: Market;
  /** Diff-depth speed. */
  speed: AnyDepthSpeed;
  /** Streams each symbol is subscribed to, on the same connections; `["depth"]` by default. */
  streams?: readonly StreamKind[];
  /**
   * Each symbol's other streams (trade, aggTrade, bookTicker): told which connections carry them.
   * They never hold a handoff back.
   */
  streamFeeds?: ReadonlyMap<string, readonly StreamFeeds[]>;
  /** Symbols per connection, from `planConnections`. */
  groups: readonly (readonly string[])[];
  /** Where each symbol's merged run goes (its `SymbolSync`), and its counters. */
  runs: ReadonlyMap<string, RunTarget & { readonly stats: FeedMergeOptions["stats"] }>;
  /** Most events held per feed behind a hole (`maxBufferedEvents`). */
  maxHeld: number;
  /** Longest an event is held for another lane to fill the hole before it, ms. */
  holdMs?: number;
  /** Exchange minus local time, ms, for the connections' lag. */
  clockOffsetMs?: () => number;
  /** Connections (lanes) carrying each group at once; 1 by default. */
  redundancy?: number;
  /** Time between the first connections of a group's lanes, ms; 3000 by default. */
  laneStaggerMs?: number;
  /** A connection silent this long is replaced (as a drop). */
  silenceTimeoutMs: number;
  /** A connection is replaced (handoff) after this long. */
  rolloverAfterMs: number;
  /** First reconnect delay. */
  reconnectBaseMs: number;
  /** Longest reconnect delay. */
  reconnectMaxMs: number;
  /** Longest a handoff may take once the new connection is open; 2 × silence by default. */
  handoffTimeoutMs?: number;
  /** Shared pacing of connection attempts; a default pacer when omitted. */
  pacer?: ConnectionPacer;
  /** WebSocket constructor. */
  WebSocket?: typeof WebSocket;
  /** Clock, epoch ms. */
  now?: () => number;
  log: Logger;
  hooks: PoolHooks;
}

/** A symbol's stream other than depth, as the pool sees it (a `StreamMerge`). */
export interface StreamFeeds {
  attach(feed: Connection): void;
  detach(feed: Connection, detail: string): void;
}

/** Counters of the pool. */
export interface PoolStats {
  /** Connections created. */
  connectionsOpened: number;
  /** Connections lost without a replacement ready. */
  drops: number;
  /** Reconnects scheduled after drops or failed attempts. */
  reconnects: number;
  /** Planned replacements started (rollover or `serverShutdown`). */
  rollovers: number;
  /** `serverShutdown` notices heard. */
  shutdownNotices: number;
  /** Connections closed by the silence watchdog. */
  silences: number;
  /** Handoffs finished with every symbol switched. */
  handoffsCompleted: number;
  /** Handoffs ended by timeout or by the old connection closing first. */
  handoffsForced: number;
}

/** Pool counters before the pool exists. */
export function emptyPoolStats(): PoolStats {
  return {
    connectionsOpened: 0,
    drops: 0,
    reconnects: 0,
    rollovers: 0,
    shutdownNotices: 0,
    silences: 0,
    handoffsCompleted: 0,
    handoffsForced: 0,
  };
}

/** One row of {@linkcode ConnectionPool.connections}. */
export interface ConnectionInfo {
  id: number;
  /** Index of the group of symbols it carries (`Collector.groups()`). */
  slot: number;
  /** Its lane in the group, from 0. */
  lane: number;
  role: "current" | "next" | "retiring";
  streams: number;
  open: boolean;
  openedAt: number | null;
  lastMessageAt: number;
  messages: number;
  malformed: number;
  /** Depth events it delivered first (the ones recorded). */
  first: number;
  /** Depth events it delivered after another lane had. */
  repeated: number;
  /** Lag from `E` to receipt of every depth event it delivered (plus the clock offset). */
  lag: LatencySnapshot;
}

/** The connections of all symbols. */
export class ConnectionPool {
  readonly stats: PoolStats = emptyPoolStats();
  #slots: ConnectionSlot[];
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #stopping = false;
  #options: ConnectionPoolOptions;
  #merges = new Map<string, FeedMerge>();

  /** Plans the slots; {@linkcode ConnectionPool.start} opens them. */
  constructor(options: ConnectionPoolOptions) {
    this.#options = options;
    const stopping = () => this.#stopping;
    const now = options.now ?? Date.now;
    for (const [symbol, run] of options.runs) {
      this.#merges.set(
        symbol,
        new FeedMerge(symbol, run, {
          maxHeld: options.maxHeld,
          market: options.market ?? "spot",
          ...(options.holdMs !== undefined ? { holdMs: options.holdMs } : {}),
          ...(options.clockOffsetMs ? { clockOffsetMs: options.clockOffsetMs } : {}),
          now,
          stats: run.stats,
          onJoined: (feed) => this.#switched(feed as Connection),
        }),
      );
    }
    const each = (symbols: readonly string[], fn: (m: FeedMerge) => void) => {
      for (const symbol of symbols) {
        const merge = this.#merges.get(symbol);
        if (merge) fn(merge);
      }
    };
    const others = (symbols: readonly string[], fn: (s: StreamFeeds) => void) => {
      if (!options.streamFeeds) return;
      for (const symbol of symbols) for (const s of options.streamFeeds.get(symbol) ?? []) fn(s);
    };
    const feeds: SlotFeeds = {
      attach: (symbols, conn) => {
        each(symbols, (m) => m.attach(conn));
        others(symbols, (s) => s.attach(conn));
      },
      beginHandoff: (symbols, conn) => {
        each(symbols, (m) => m.beginHandoff(conn));
        others(symbols, (s) => s.attach(conn));
      },
      pending: (symbols, conn) => {
        let n = 0;
        each(symbols, (m) => n += m.isJoining(conn) ? 1 : 0);
        return n;
      },
      detach: (symbols, conn, detail) => {
        each(symbols, (m) => m.detach(conn, detail));
        others(symbols, (s) => s.detach(conn, detail));
      },
    };
    const ctx: SlotContext = {
      feeds,
      options,
      stats: this.stats,
      pacer: options.pacer ?? new ConnectionPacer(),
      now,
      later: (ms, fn) => this.#later(ms, fn),
      get stopping() {
        return stopping();
      },
    };
    const lanes = options.redundancy ?? 1;
    this.#slots = Array.from(
      { length: lanes },
      (_, lane) =>
        options.groups.map((symbols, group) =>
          new ConnectionSlot({ group, lane, lanes }, symbols, ctx)
        ),
    ).flat();
  }

  /** Opens every slot's first connection (paced), later lanes a few seconds after the first. */
  start(): void {
    const stagger = this.#options.laneStaggerMs ?? 3000;
    for (const slot of this.#slots) slot.start(slot.lane * stagger);
  }

  /** The merged run of each symbol, where the frames of its stream go (see `FeedMerge`). */
  merges(): ReadonlyMap<string, FeedMerge> {
    return this.#merges;
  }

  /** A symbol's merge says `conn` caught up; its slot retires the old connection when all have. */
  #switched(conn: Connection): void {
    this.#slots.find((slot) => slot.has(conn))?.switched(conn);
  }

  /** Starts a planned replacement of every slot's connection now (as at a rollover). */
  rolloverAll(): void {
    for (const slot of this.#slots) slot.replace("requested");
  }

  /** Every connection with its slot and role. */
  connections(): ConnectionInfo[] {
    return this.#slots.flatMap((slot) => slot.connections());
  }

  /** Closes everything; no reconnects after this. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    const all = this.#slots.flatMap((slot) => slot.stop());
    await Promise.all(all.map((c) => c.close(1000, "Collector stopping", 500)));
  }

  #later(ms: number, fn: () => void): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#stopping) fn();
    }, Math.max(0, ms));
    this.#timers.add(timer);
    return timer;
  }
}
