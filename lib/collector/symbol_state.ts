/**
 * One symbol and the connections feeding it: which connection's events count (the primary), and
 * the handoff to a replacement connection (the candidate) without a loss or a snapshot. Whatever
 * counts goes on to the symbol's {@linkcode SymbolSync} (`symbol_sync.ts`: records, then the sync
 * rules). The path of an event: {@linkcode SymbolState.onEvent} → `SymbolSync.accept` → record to
 * the sink → `DepthSync.onEvent` → book.
 *
 * Handoff (rollover, `serverShutdown`): the new connection's events are queued until they continue
 * exactly what the old connection delivered (one ends at its last `u`, or one starts at `u + 1`,
 * which bridges it: `U <= u + 1 <= u'`); the symbol then switches to the new connection without a
 * snapshot, and whatever either connection repeats is dropped, not recorded. Exact continuation,
 * not mere bridging, because once in sync `DepthSync` accepts nothing else; should the new
 * connection batch updates differently (its event overlaps the book), the book is carried over as
 * a "book" snapshot record: no gap, nothing lost, no REST request.
 *
 * @module
 */
import type { DepthSnapshot, DepthUpdate } from "../binance/types.ts";
import { bridges, type DepthSync } from "../book/depth_sync.ts";
import type { SymbolStats } from "./symbol_stats.ts";
import { SymbolSync, type SymbolSyncContext, type SyncStatus } from "./symbol_sync.ts";

export type { SymbolStats } from "./symbol_stats.ts";
export type { SyncStatus } from "./symbol_sync.ts";

/** A source of events (a connection); only its identity matters here. */
export interface Feed {
  /** Number for logs. */
  readonly id: number;
}

/** What a symbol needs from its surroundings. */
export interface SymbolContext extends SymbolSyncContext {
  /** Tells the connection pool the symbol now reads from `feed`. */
  onSwitched?(symbol: string, feed: Feed): void;
}

interface Queued {
  event: DepthUpdate;
  recv: number;
}

/** The state of one symbol. */
export class SymbolState {
  readonly symbol: string;
  /** The symbol's sync rules and book. */
  readonly sync: DepthSync;
  readonly stats: SymbolStats;
  /** The connection whose events the symbol records. */
  primary: Feed | null = null;
  /** A replacement connection during a handoff. */
  candidate: Feed | null = null;
  #core: SymbolSync;
  #ctx: SymbolContext;
  #queue: Queued[] = [];
  #maxQueued: number;

  /** Creates the state of `symbol`, out of sync, fed by no connection. */
  constructor(symbol: string, ctx: SymbolContext, options: { maxBuffered: number }) {
    this.symbol = symbol;
    this.#ctx = ctx;
    this.#maxQueued = options.maxBuffered;
    this.#core = new SymbolSync(symbol, ctx, options);
    this.sync = this.#core.sync;
    this.stats = this.#core.stats;
  }

  /** Final update id of the last event accepted from the primary (applied or buffered). */
  get lastSeenU(): number | null {
    return this.#core.lastSeenU;
  }

  /** Where the symbol stands, and since when. */
  status(): SyncStatus {
    return this.#core.status();
  }

  /** The in-sync book as a snapshot, or `null` when out of sync. */
  book(): DepthSnapshot | null {
    return this.#core.book();
  }

  /** Whether the book is in sync. */
  get inSync(): boolean {
    return this.#core.inSync;
  }

  /** Whether a snapshot has been asked for and not yet received. */
  get waitingForSnapshot(): boolean {
    return this.#core.waitingForSnapshot;
  }

  /** `feed` becomes the symbol's connection (start, or reconnect after a drop). */
  attach(feed: Feed): void {
    this.#core.onAttached();
    this.primary = feed;
    this.candidate = null;
    this.#queue = [];
  }

  /** `feed` will replace the current connection once its events continue the old one's. */
  beginHandoff(feed: Feed): void {
    if (this.primary === null) return this.attach(feed);
    this.candidate = feed;
    this.#queue = [];
  }

  /** An event from `feed`, received at `recv`. */
  onEvent(feed: Feed, event: DepthUpdate, recv: number): void {
    if (feed === this.primary) {
      this.#core.accept(event, recv);
      if (this.candidate !== null) this.#tryQueue();
    } else if (feed === this.candidate) {
      this.#fromCandidate(event, recv);
    } else {
      this.stats.duplicates++;
    }
  }

  /** The snapshot request is being sent; see {@linkcode SymbolSync.onSnapshotDispatched}. */
  onSnapshotDispatched(): void {
    this.#core.onSnapshotDispatched();
  }

  /** A snapshot of the symbol's book, received at `recv`. */
  onSnapshot(snapshot: DepthSnapshot, recv: number): void {
    this.#core.onSnapshot(snapshot, recv);
  }

  /**
   * `feed` closed. If it fed the symbol, the symbol switches to the handoff's new connection when
   * there is one (with a gap only if its queued events do not continue the book), else it records
   * a `disconnect` gap and waits for a new connection.
   */
  onClosed(feed: Feed, detail: string): void {
    if (feed === this.candidate) {
      this.candidate = null;
      this.#queue = [];
    } else if (feed === this.primary) {
      if (this.candidate !== null) this.finishHandoff(detail);
      else {
        this.#core.onDisconnected(detail);
        this.primary = null;
      }
    }
  }

  /**
   * Ends a handoff now (the old connection closed or took too long): switch to the new
   * connection; a `disconnect` gap when its queued events leave a hole.
   */
  finishHandoff(detail: string): void {
    if (this.candidate === null) return;
    const aligned = this.#dropRepeated();
    const head = this.#queue[0];
    const last = this.lastSeenU;
    if (!aligned && head !== undefined && last !== null && head.event.U !== last + 1) {
      if (bridges(head.event, last)) return this.#handOverOverlap();
      this.#core.lose("disconnect", `${detail}; new connection starts at U=${head.event.U}`);
    }
    this.#switch();
  }

  #fromCandidate(event: DepthUpdate, recv: number): void {
    if (this.lastSeenU === null) {
      this.#switch();
      this.#core.accept(event, recv);
      return;
    }
    if (event.u <= this.lastSeenU) {
      this.stats.duplicates++;
      // The new connection has caught up exactly: its next event continues the book.
      if (event.u === this.lastSeenU && this.#queue.length === 0) this.#handOver();
      return;
    }
    this.#queue.push({ event, recv });
    if (this.#queue.length > this.#maxQueued) this.#queue.shift();
    this.#tryQueue();
  }

  /** Drops queued events already delivered; true when one ended exactly at `lastSeenU`. */
  #dropRepeated(): boolean {
    let aligned = false;
    while (this.#queue.length > 0 && this.#queue[0]!.event.u <= (this.lastSeenU ?? -1)) {
      aligned = this.#queue.shift()!.event.u === this.lastSeenU;
      this.stats.duplicates++;
    }
    return aligned;
  }

  /** Switches when the queue continues (or at least bridges) what the old connection delivered. */
  #tryQueue(): void {
    const aligned = this.#dropRepeated();
    const head = this.#queue[0];
    if (this.lastSeenU === null) return;
    if (aligned || (head !== undefined && head.event.U === this.lastSeenU + 1)) this.#handOver();
    else if (head !== undefined && bridges(head.event, this.lastSeenU)) this.#handOverOverlap();
  }

  /**
   * The new connection batches updates differently: its first event overlaps the book
   * (`U <= id < u`). Nothing is missing, but once in sync only exact continuation is accepted, so
   * the book is written as a "book" snapshot, after which (as after any snapshot) the overlapping
   * event bridges it. No gap, no REST request; `verify` replays it the same way.
   */
  #handOverOverlap(): void {
    if (this.sync.inSync) {
      const book = this.sync.book.snapshot();
      this.#ctx.sink.write(this.symbol, {
        type: "snapshot",
        recv: this.#ctx.recvNow(),
        lastUpdateId: book.lastUpdateId,
        bids: book.bids,
        asks: book.asks,
        source: "book",
      }, () => null);
      this.stats.snapshotRecords.book++;
      this.sync.onSnapshot(book);
    }
    this.#handOver();
  }

  #handOver(): void {
    this.stats.handoffs++;
    this.#switch();
  }

  #switch(): void {
    const feed = this.candidate!;
    const queued = this.#queue;
    this.primary = feed;
    this.candidate = null;
    this.#queue = [];
    for (const { event, recv } of queued) this.#core.accept(event, recv);
    this.#ctx.onSwitched?.(this.symbol, feed);
  }
}
