/**
 * The WebSocket connections of the collector: one slot per group of symbols (see
 * `planConnections`), each with a current connection, opened through one shared
 * {@linkcode ConnectionPacer}. A dropped connection is reopened with capped, jittered backoff, for
 * ever. A planned replacement (before the 24 h limit, or on `serverShutdown`) opens the new
 * connection first and closes the old one only once every symbol has switched over (see
 * `SymbolState`), so nothing is lost and no snapshot is needed.
 *
 * @module
 */
import type { FrameError } from "../binance/parse.ts";
import type { CombinedFrame, DepthSpeed } from "../binance/types.ts";
import { combinedStreamUrl, depthStreamName } from "../binance/urls.ts";
import type { Logger } from "../cli/log.ts";
import { Backoff } from "./backoff.ts";
import { type CloseInfo, Connection } from "./connection.ts";
import { ConnectionPacer } from "./connection_pacer.ts";

/** What the pool tells the symbols (the collector wires these to the `SymbolState`s). */
export interface PoolHooks {
  /** A frame from `conn`. */
  onFrame(conn: Connection, frame: CombinedFrame, recv: number): void;
  /** A message from `conn` that is not a frame. */
  onMalformed?(conn: Connection, error: FrameError): void;
  /** `conn` now feeds `symbols` (start, or reconnect after a drop). */
  attach(symbols: readonly string[], conn: Connection): void;
  /** `conn` is to replace the current connection of `symbols`. */
  beginHandoff(symbols: readonly string[], conn: Connection): void;
  /** How many of `symbols` still wait to switch to `conn`. */
  handoffPending(symbols: readonly string[], conn: Connection): number;
  /** Ends the handoff of `symbols` now (timed out). */
  finishHandoff(symbols: readonly string[], detail: string): void;
  /** `conn` closed; symbols it fed switch or record a gap. */
  closed(symbols: readonly string[], conn: Connection, detail: string): void;
}

/** Options of {@linkcode ConnectionPool}. */
export interface ConnectionPoolOptions {
  /** WebSocket base URL. */
  wsUrl: string;
  /** Diff-depth speed. */
  speed: DepthSpeed;
  /** Symbols per connection, from `planConnections`. */
  groups: readonly (readonly string[])[];
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
  slot: number;
  role: "current" | "next" | "retiring";
  streams: number;
  open: boolean;
  openedAt: number | null;
  lastMessageAt: number;
  messages: number;
  malformed: number;
}

class Slot {
  current: Connection | null = null;
  next: Connection | null = null;
  retiring = new Set<Connection>();
  connecting: "current" | "next" | null = null;
  rolloverTimer: ReturnType<typeof setTimeout> | undefined;
  handoffTimer: ReturnType<typeof setTimeout> | undefined;
  constructor(
    readonly index: number,
    readonly symbols: readonly string[],
    readonly streams: readonly string[],
    readonly url: string,
    readonly backoff: Backoff,
  ) {}
}

/** The connections of all symbols. */
export class ConnectionPool {
  readonly stats: PoolStats = emptyPoolStats();
  #o: ConnectionPoolOptions;
  #slots: Slot[];
  #slotOf = new Map<Connection, Slot>();
  #healthy = new WeakSet<Connection>();
  #pacer: ConnectionPacer;
  #now: () => number;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #stopping = false;

  /** Plans the slots; {@linkcode ConnectionPool.start} opens them. */
  constructor(options: ConnectionPoolOptions) {
    this.#o = options;
    this.#pacer = options.pacer ?? new ConnectionPacer();
    this.#now = options.now ?? Date.now;
    this.#slots = options.groups.map((symbols, i) => {
      const streams = symbols.map((s) => depthStreamName(s, options.speed));
      return new Slot(
        i,
        symbols,
        streams,
        combinedStreamUrl(options.wsUrl, streams),
        new Backoff({ baseMs: options.reconnectBaseMs, maxMs: options.reconnectMaxMs }),
      );
    });
  }

  /** Opens every slot's first connection (paced). */
  start(): void {
    for (const slot of this.#slots) this.#connect(slot, "current", 0);
  }

  /** Tells the pool `symbol` switched to `conn`; the old connection closes when all have. */
  switched(_symbol: string, conn: Connection): void {
    const slot = this.#slotOf.get(conn);
    if (slot === undefined || conn !== slot.next) return;
    if (this.#o.hooks.handoffPending(slot.symbols, conn) === 0) this.#complete(slot, false);
  }

  /** Starts a planned replacement of every slot's connection now (as at a rollover). */
  rolloverAll(): void {
    for (const slot of this.#slots) this.#startHandoff(slot, "requested");
  }

  /** Every connection with its slot and role. */
  connections(): ConnectionInfo[] {
    const rows: ConnectionInfo[] = [];
    for (const slot of this.#slots) {
      const add = (c: Connection, role: ConnectionInfo["role"]) =>
        rows.push({
          id: c.id,
          slot: slot.index,
          role,
          streams: c.streams.length,
          open: c.isOpen,
          openedAt: c.openedAt,
          lastMessageAt: c.lastMessageAt,
          messages: c.stats.messages,
          malformed: c.stats.malformed,
        });
      if (slot.current) add(slot.current, "current");
      if (slot.next) add(slot.next, "next");
      for (const c of slot.retiring) add(c, "retiring");
    }
    return rows;
  }

  /** Closes everything; no reconnects after this. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    const all: Connection[] = [];
    for (const slot of this.#slots) {
      clearTimeout(slot.rolloverTimer);
      clearTimeout(slot.handoffTimer);
      if (slot.current) all.push(slot.current);
      if (slot.next) all.push(slot.next);
      all.push(...slot.retiring);
    }
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

  #connect(slot: Slot, role: "current" | "next", delayMs: number): void {
    if (this.#stopping || slot.connecting !== null) return;
    slot.connecting = role;
    this.#later(delayMs, () => {
      const wait = this.#pacer.reserve(this.#now());
      this.#later(wait, () => this.#open(slot, role));
    });
  }

  #open(slot: Slot, wanted: "current" | "next"): void {
    slot.connecting = null;
    // A replacement whose predecessor died while it waited becomes the current connection.
    const role = wanted === "next" && slot.current === null ? "current" : wanted;
    if (role === "next" && slot.next !== null) return;
    const hooks = this.#o.hooks;
    const conn = new Connection({
      url: slot.url,
      streams: slot.streams,
      silenceTimeoutMs: this.#o.silenceTimeoutMs,
      ...(this.#o.WebSocket ? { WebSocket: this.#o.WebSocket } : {}),
      now: this.#now,
      onOpen: (c) => this.#opened(slot, c),
      onFrame: (c, frame, recv) => {
        if (!this.#healthy.has(c)) {
          this.#healthy.add(c);
          slot.backoff.reset();
        }
        hooks.onFrame(c, frame, recv);
      },
      onMalformed: (c, error) => hooks.onMalformed?.(c, error),
      onShutdownNotice: (c) => {
        this.stats.shutdownNotices++;
        this.#o.log.info(`Connection ${c.id} announced serverShutdown; replacing it`, {
          connection: c.id,
        });
        if (c === slot.current) this.#startHandoff(slot, "serverShutdown");
      },
      onSilent: (c) => {
        this.stats.silences++;
        this.#o.log.warn(
          `Connection ${c.id} silent for ${this.#o.silenceTimeoutMs} ms; replacing it`,
          { connection: c.id, slot: slot.index },
        );
        c.close(4000, "Silent");
      },
      onClose: (c, info) => this.#closed(slot, c, info),
    });
    this.stats.connectionsOpened++;
    this.#slotOf.set(conn, slot);
    if (role === "current") {
      slot.current = conn;
      hooks.attach(slot.symbols, conn);
      this.#scheduleRollover(slot, conn);
    } else {
      slot.next = conn;
      hooks.beginHandoff(slot.symbols, conn);
    }
    this.#o.log.debug(`Connection ${conn.id} opening (${role}, ${slot.symbols.length} streams)`, {
      connection: conn.id,
      slot: slot.index,
    });
  }

  #opened(slot: Slot, conn: Connection): void {
    this.#o.log.debug(`Connection ${conn.id} open`, { connection: conn.id, slot: slot.index });
    if (conn !== slot.next) return;
    const timeout = this.#o.handoffTimeoutMs ?? 2 * this.#o.silenceTimeoutMs;
    slot.handoffTimer = this.#later(timeout, () => {
      if (slot.next !== conn) return;
      this.#o.hooks.finishHandoff(slot.symbols, "handoff timed out");
      this.#complete(slot, true);
    });
    if (this.#o.hooks.handoffPending(slot.symbols, conn) === 0) this.#complete(slot, false);
  }

  #scheduleRollover(slot: Slot, conn: Connection): void {
    clearTimeout(slot.rolloverTimer);
    slot.rolloverTimer = this.#later(this.#o.rolloverAfterMs, () => {
      if (slot.current === conn) this.#startHandoff(slot, "rollover");
    });
  }

  #startHandoff(slot: Slot, why: string): void {
    if (slot.current === null || slot.next !== null || slot.connecting !== null) return;
    this.stats.rollovers++;
    this.#o.log.info(`Replacing connection ${slot.current.id} (${why})`, {
      connection: slot.current.id,
      slot: slot.index,
      why,
    });
    this.#connect(slot, "next", 0);
  }

  /** The new connection takes over the slot; the old one is closed. */
  #complete(slot: Slot, forced: boolean): void {
    const old = slot.current;
    const next = slot.next;
    if (next === null) return;
    clearTimeout(slot.handoffTimer);
    slot.current = next;
    slot.next = null;
    this.#scheduleRollover(slot, next);
    if (forced) this.stats.handoffsForced++;
    else this.stats.handoffsCompleted++;
    if (old !== null) {
      slot.retiring.add(old);
      this.#o.log.info(`Connection ${next.id} took over from ${old.id}`, {
        connection: next.id,
        old: old.id,
        forced,
      });
      old.close(1000, "Replaced");
    }
  }

  #closed(slot: Slot, conn: Connection, info: CloseInfo): void {
    this.#slotOf.delete(conn);
    if (this.#stopping) return;
    if (slot.retiring.delete(conn)) return;
    const detail = `connection ${conn.id} closed (${info.code}${
      info.reason ? ` ${info.reason}` : ""
    })`;
    const hooks = this.#o.hooks;
    if (conn === slot.next) {
      slot.next = null;
      clearTimeout(slot.handoffTimer);
      hooks.closed(slot.symbols, conn, detail);
      const delay = slot.backoff.next();
      this.stats.reconnects++;
      this.#o.log.warn(
        `Replacement connection ${conn.id} failed; retrying in ${Math.round(delay)} ms`,
        {
          connection: conn.id,
          code: info.code,
        },
      );
      this.#connect(slot, "next", delay);
      return;
    }
    if (conn !== slot.current) return;
    slot.current = null;
    clearTimeout(slot.rolloverTimer);
    if (slot.next !== null) {
      hooks.closed(slot.symbols, conn, detail);
      this.#complete(slot, true);
      return;
    }
    this.stats.drops++;
    hooks.closed(slot.symbols, conn, detail);
    const delay = slot.backoff.next();
    this.stats.reconnects++;
    this.#o.log.warn(
      `Connection ${conn.id} lost (${info.code}); reconnecting in ${Math.round(delay)} ms`,
      {
        connection: conn.id,
        slot: slot.index,
        code: info.code,
        reason: info.reason,
        opened: info.opened,
      },
    );
    this.#connect(slot, "current", delay);
  }
}
