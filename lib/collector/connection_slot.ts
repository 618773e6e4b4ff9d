/**
 * One slot of the connection pool: one lane of a group of symbols' streams (see
 * `planConnections`; with `redundancy` 2 every group has two lanes, each carrying all its streams
 * on its own connection) and the connections carrying it. The current connection is reopened
 * after a drop with capped, jittered backoff, for ever. A planned replacement (before the 24 h
 * limit, or on `serverShutdown`) opens the next connection first and retires the old one only
 * once every symbol's run has caught up with it (see `FeedMerge`), or the handoff timed out.
 * Lanes open a few seconds apart and roll over at different times, so that a group is never
 * replaced on all lanes at once. The pool (`connection_pool.ts`) holds the slots and what they
 * share: settings, hooks, counters, the pacing of connection attempts and the timers.
 *
 * @module
 */
import { combinedStreamUrl, streamNameOf } from "../binance/urls.ts";
import { Backoff } from "./backoff.ts";
import { type CloseInfo, Connection } from "./connection.ts";
import type { ConnectionPacer } from "./connection_pacer.ts";
import type { ConnectionInfo, ConnectionPoolOptions, PoolStats } from "./connection_pool.ts";

/**
 * The symbols' side of a slot's connections (the pool implements it over its `FeedMerge`s): which
 * connections feed which symbols, and whether a replacement has caught up.
 */
export interface SlotFeeds {
  /** `conn` now feeds `symbols` (start, a reconnect, another lane). */
  attach(symbols: readonly string[], conn: Connection): void;
  /** `conn` is to replace the current connection of `symbols`. */
  beginHandoff(symbols: readonly string[], conn: Connection): void;
  /** How many of `symbols` still wait for `conn` to catch up with them. */
  pending(symbols: readonly string[], conn: Connection): number;
  /**
   * `conn` no longer feeds `symbols` (it closed, or a handoff retired it; `detail` says which);
   * a symbol left with a hole, or with no connection, records a gap.
   */
  detach(symbols: readonly string[], conn: Connection, detail: string): void;
}

/** What a slot shares with the other slots of its pool. */
export interface SlotContext {
  /** The symbols' side of the connections. */
  readonly feeds: SlotFeeds;
  /** The pool's settings, hooks and log. */
  readonly options: ConnectionPoolOptions;
  /** The pool's counters; each slot counts into them. */
  readonly stats: PoolStats;
  /** Pacing of connection attempts, shared by every connection. */
  readonly pacer: ConnectionPacer;
  /** Clock, epoch ms. */
  readonly now: () => number;
  /** Runs `fn` after `ms` unless the pool is stopping by then; the pool clears the timer on stop. */
  later(ms: number, fn: () => void): ReturnType<typeof setTimeout>;
  /** Whether the pool is stopping: nothing is reopened. */
  readonly stopping: boolean;
}

/** Where a slot stands among the others. */
export interface SlotPlace {
  /** Index of its group of symbols. */
  group: number;
  /** Its lane in the group, from 0. */
  lane: number;
  /** Lanes per group (the redundancy). */
  lanes: number;
}

/** One lane of a group of streams and its connections: current, next (a handoff), retiring. */
export class ConnectionSlot {
  /** Index of the slot's group of symbols. */
  readonly index: number;
  /** The slot's lane in its group, from 0. */
  readonly lane: number;
  readonly symbols: readonly string[];
  readonly streams: readonly string[];
  readonly url: string;
  #ctx: SlotContext;
  #backoff: Backoff;
  /** Connections created and not yet closed. */
  #live = new Set<Connection>();
  /** Connections that delivered a frame (the backoff restarts at the first one). */
  #healthy = new WeakSet<Connection>();
  #current: Connection | null = null;
  #next: Connection | null = null;
  #retiring = new Set<Connection>();
  #connecting: "current" | "next" | null = null;
  #rolloverTimer: ReturnType<typeof setTimeout> | undefined;
  #handoffTimer: ReturnType<typeof setTimeout> | undefined;
  #lanes: number;
  /**
   * The rollover of a freshly opened connection comes earlier on later lanes, then every period
   * (also after all lanes reconnected at once, the lanes stay apart).
   */
  #firstRollover = true;

  /**
   * Plans the slot of `place` for `symbols` (a bare number: group `index`, the only lane);
   * {@linkcode ConnectionSlot.start} opens it.
   */
  constructor(place: number | SlotPlace, symbols: readonly string[], ctx: SlotContext) {
    const o = ctx.options;
    const p = typeof place === "number" ? { group: place, lane: 0, lanes: 1 } : place;
    this.index = p.group;
    this.lane = p.lane;
    this.#lanes = p.lanes;
    this.symbols = symbols;
    const kinds = o.streams ?? ["depth"];
    this.streams = symbols.flatMap((s) => kinds.map((k) => streamNameOf(s, k, o.speed)));
    this.url = combinedStreamUrl(o.wsUrl, this.streams, o.market ?? "spot");
    this.#ctx = ctx;
    this.#backoff = new Backoff({ baseMs: o.reconnectBaseMs, maxMs: o.reconnectMaxMs });
  }

  /** Opens the first connection (paced), `delayMs` from now. */
  start(delayMs = 0): void {
    this.#connect("current", delayMs);
  }

  /** Whether `conn` is one of this slot's connections and not yet closed. */
  has(conn: Connection): boolean {
    return this.#live.has(conn);
  }

  /** A symbol switched to `conn`; the old connection retires once all have. */
  switched(conn: Connection): void {
    if (!this.#live.has(conn) || conn !== this.#next) return;
    if (this.#ctx.feeds.pending(this.symbols, conn) === 0) {
      this.#complete(false);
    }
  }

  /** Starts a planned replacement of the current connection (`why`: for the log). */
  replace(why: string): void {
    if (this.#current === null || this.#next !== null || this.#connecting !== null) return;
    this.#ctx.stats.rollovers++;
    this.#ctx.options.log.info(`Replacing connection ${this.#current.id} (${why})`, {
      connection: this.#current.id,
      slot: this.index,
      lane: this.lane,
      why,
    });
    this.#connect("next", 0);
  }

  /** The slot's connections, each with its role. */
  connections(): ConnectionInfo[] {
    const rows: ConnectionInfo[] = [];
    const add = (c: Connection, role: ConnectionInfo["role"]) =>
      rows.push({
        id: c.id,
        slot: this.index,
        lane: this.lane,
        role,
        streams: c.streams.length,
        open: c.isOpen,
        openedAt: c.openedAt,
        lastMessageAt: c.lastMessageAt,
        messages: c.stats.messages,
        malformed: c.stats.malformed,
        first: c.delivery.first,
        repeated: c.delivery.repeated,
        lag: c.delivery.lag.snapshot(),
      });
    if (this.#current) add(this.#current, "current");
    if (this.#next) add(this.#next, "next");
    for (const c of this.#retiring) add(c, "retiring");
    return rows;
  }

  /**
   * Clears the slot's timers and returns its connections (current, next, retiring) for the pool
   * to close; the pool is already stopping, so nothing reopens.
   */
  stop(): Connection[] {
    clearTimeout(this.#rolloverTimer);
    clearTimeout(this.#handoffTimer);
    const all: Connection[] = [];
    if (this.#current) all.push(this.#current);
    if (this.#next) all.push(this.#next);
    all.push(...this.#retiring);
    return all;
  }

  #connect(role: "current" | "next", delayMs: number): void {
    if (this.#ctx.stopping || this.#connecting !== null) return;
    this.#connecting = role;
    this.#ctx.later(delayMs, () => {
      const wait = this.#ctx.pacer.reserve(this.#ctx.now());
      this.#ctx.later(wait, () => this.#open(role));
    });
  }

  #open(wanted: "current" | "next"): void {
    this.#connecting = null;
    // A replacement whose predecessor died while it waited becomes the current connection.
    const role = wanted === "next" && this.#current === null ? "current" : wanted;
    if (role === "next" && this.#next !== null) return;
    const { options: o, stats } = this.#ctx;
    const hooks = o.hooks;
    const conn = new Connection({
      url: this.url,
      streams: this.streams,
      silenceTimeoutMs: o.silenceTimeoutMs,
      ...(o.WebSocket ? { WebSocket: o.WebSocket } : {}),
      now: this.#ctx.now,
      onOpen: (c) => this.#opened(c),
      onFrame: (c, frame, recv) => {
        if (!this.#healthy.has(c)) {
          this.#healthy.add(c);
          this.#backoff.reset();
        }
        hooks.onFrame(c, frame, recv);
      },
      onMalformed: (c, error) => hooks.onMalformed?.(c, error),
      onShutdownNotice: (c) => {
        stats.shutdownNotices++;
        o.log.info(`Connection ${c.id} announced serverShutdown; replacing it`, {
          connection: c.id,
        });
        if (c === this.#current) this.replace("serverShutdown");
      },
      onSilent: (c) => {
        stats.silences++;
        o.log.warn(
          `Connection ${c.id} silent for ${o.silenceTimeoutMs} ms; replacing it`,
          { connection: c.id, slot: this.index, lane: this.lane },
        );
        c.close(4000, "Silent");
      },
      onClose: (c, info) => this.#closed(c, info),
    });
    stats.connectionsOpened++;
    this.#live.add(conn);
    if (role === "current") {
      this.#current = conn;
      this.#ctx.feeds.attach(this.symbols, conn);
      this.#firstRollover = true; // a fresh start (or a reconnect): the lane's offset again
      this.#scheduleRollover(conn);
    } else {
      this.#next = conn;
      this.#ctx.feeds.beginHandoff(this.symbols, conn);
    }
    o.log.debug(`Connection ${conn.id} opening (${role}, ${this.symbols.length} streams)`, {
      connection: conn.id,
      slot: this.index,
    });
  }

  #opened(conn: Connection): void {
    const o = this.#ctx.options;
    o.log.debug(`Connection ${conn.id} open`, { connection: conn.id, slot: this.index });
    if (conn !== this.#next) return;
    const timeout = o.handoffTimeoutMs ?? 2 * o.silenceTimeoutMs;
    this.#handoffTimer = this.#ctx.later(timeout, () => {
      if (this.#next === conn) this.#complete(true);
    });
    if (this.#ctx.feeds.pending(this.symbols, conn) === 0) this.#complete(false);
  }

  #scheduleRollover(conn: Connection): void {
    clearTimeout(this.#rolloverTimer);
    const period = this.#ctx.options.rolloverAfterMs;
    // Lane k of n first rolls over k/(2n) of a period early: the lanes' rollovers stay apart.
    const after = this.#firstRollover ? period * (1 - this.lane / (2 * this.#lanes)) : period;
    this.#firstRollover = false;
    this.#rolloverTimer = this.#ctx.later(after, () => {
      if (this.#current === conn) this.replace("rollover");
    });
  }

  /** The next connection takes over the slot; the old one is closed. */
  #complete(forced: boolean): void {
    const old = this.#current;
    const next = this.#next;
    if (next === null) return;
    clearTimeout(this.#handoffTimer);
    this.#current = next;
    this.#next = null;
    this.#scheduleRollover(next);
    if (forced) this.#ctx.stats.handoffsForced++;
    else this.#ctx.stats.handoffsCompleted++;
    if (old !== null) {
      this.#retiring.add(old);
      this.#ctx.feeds.detach(
        this.symbols,
        old,
        forced ? "handoff timed out" : `connection ${old.id} replaced by ${next.id}`,
      );
      this.#ctx.options.log.info(`Connection ${next.id} took over from ${old.id}`, {
        connection: next.id,
        old: old.id,
        forced,
      });
      old.close(1000, "Replaced");
    }
  }

  #closed(conn: Connection, info: CloseInfo): void {
    this.#live.delete(conn);
    if (this.#ctx.stopping) return;
    if (this.#retiring.delete(conn)) return;
    const detail = `connection ${conn.id} closed (${info.code}${
      info.reason ? ` ${info.reason}` : ""
    })`;
    const { options: o, stats } = this.#ctx;
    if (conn === this.#next) {
      this.#next = null;
      clearTimeout(this.#handoffTimer);
      this.#ctx.feeds.detach(this.symbols, conn, detail);
      const delay = this.#backoff.next();
      stats.reconnects++;
      o.log.warn(
        `Replacement connection ${conn.id} failed; retrying in ${Math.round(delay)} ms`,
        { connection: conn.id, code: info.code },
      );
      this.#connect("next", delay);
      return;
    }
    if (conn !== this.#current) return;
    this.#current = null;
    clearTimeout(this.#rolloverTimer);
    if (this.#next !== null) {
      this.#ctx.feeds.detach(this.symbols, conn, detail);
      this.#complete(true);
      return;
    }
    stats.drops++;
    this.#ctx.feeds.detach(this.symbols, conn, detail);
    const delay = this.#backoff.next();
    stats.reconnects++;
    o.log.warn(
      `Connection ${conn.id} lost (${info.code}); reconnecting in ${Math.round(delay)} ms`,
      {
        connection: conn.id,
        slot: this.index,
        lane: this.lane,
        code: info.code,
        reason: info.reason,
        opened: info.opened,
      },
    );
    this.#connect("current", delay);
  }
}
