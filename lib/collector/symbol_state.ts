/**
 * One symbol's life: its {@linkcode DepthSync} (the sync rules), which connection feeds it, the
 * queue of a replacement connection's events during a handoff, and the records it emits. The path
 * of an event: {@linkcode SymbolState.onEvent} → record to the sink → `DepthSync.onEvent` → book.
 *
 * Handoff (rollover, `serverShutdown`): the new connection's events are queued until they continue
 * exactly what the old connection delivered (one ends at its last `u`, or one starts at `u + 1`,
 * which bridges it: `U <= u + 1 <= u'`); the symbol then switches to the new connection without a
 * snapshot, and whatever either connection repeats is dropped, not recorded. Exact continuation,
 * not mere bridging, because once in sync `DepthSync` accepts nothing else; should the new
 * connection batch updates differently (its event overlaps the book), the book is carried over as
 * a "book" snapshot after a gap record: nothing lost, no REST request.
 *
 * @module
 */
import type { DepthSnapshot, DepthUpdate } from "../binance/types.ts";
import { bridges, DepthSync } from "../book/depth_sync.ts";
import type { OrderBook } from "../book/order_book.ts";
import type { Logger } from "../cli/log.ts";
import { depthUpdateRecord, type GapReason, type GapRecord } from "../storage/records.ts";
import type { RecordSink } from "./sink.ts";
import { newSymbolStats, type SymbolStats } from "./symbol_stats.ts";
import type { SnapshotPriority } from "./snapshot_scheduler.ts";

export type { SymbolStats } from "./symbol_stats.ts";

/** A source of events (a connection); only its identity matters here. */
export interface Feed {
  /** Number for logs. */
  readonly id: number;
}

/**
 * Where a symbol stands, for health checks: `in-sync`, `resyncing` (waiting for or bridging a
 * snapshot) or `stale` (no connection feeds it: down, or not yet opened).
 */
export interface SyncStatus {
  state: "in-sync" | "resyncing" | "stale";
  /** When it entered this state, epoch ms. */
  since: number;
  /** Why it is out of sync (`start`, `sequence`, `disconnect`), when it is. */
  detail?: string;
}

/** What a symbol needs from its surroundings. */
export interface SymbolContext {
  /** Where records go. */
  sink: RecordSink;
  /** Asks the snapshot scheduler for a snapshot. */
  requestSnapshot(symbol: string, priority: SnapshotPriority): void;
  /** Withdraws a queued request (the events it was to bridge are lost). */
  cancelSnapshot?(symbol: string): void;
  /** Tells the connection pool the symbol now reads from `feed`. */
  onSwitched?(symbol: string, feed: Feed): void;
  /** Observer, for tests: called after every applied event and every sync. */
  onApplied?(symbol: string, book: OrderBook): void;
  /** Crossed-book warnings (rate-limited by the caller). */
  crossedLog?: Logger;
  /** Gap lines (rate-limited by the caller: a drop makes one per symbol). */
  gapLog?: Logger;
  /** Other lines. */
  log: Logger;
  /** Local receive time for records the symbol makes itself. */
  recvNow(): number;
  /** Clock for {@linkcode SyncStatus.since}, epoch ms; `Date.now` by default. */
  now?: () => number;
  /** Exchange minus local time, ms (last clock check), added to receipt times for the lag. */
  clockOffsetMs?: () => number;
}

/** Events kept (at most) before a snapshot request is sent; the REST snapshot is rarely older. */
const PRE_SNAPSHOT_EVENTS = 200;

interface Queued {
  event: DepthUpdate;
  recv: number;
}

/** The state of one symbol. */
export class SymbolState {
  readonly symbol: string;
  readonly sync: DepthSync;
  readonly stats: SymbolStats = newSymbolStats();
  /** The connection whose events the symbol records. */
  primary: Feed | null = null;
  /** A replacement connection during a handoff. */
  candidate: Feed | null = null;
  /** Final update id of the last event accepted from the primary (applied or buffered). */
  lastSeenU: number | null = null;
  #ctx: SymbolContext;
  #queue: Queued[] = [];
  #maxQueued: number;
  #waiting = false;
  /** The snapshot request is on its way: events go to `DepthSync`'s buffer. */
  #inFlight = false;
  /** The last out-of-sync events, to seed `DepthSync`'s buffer when the request is sent. */
  #recent: DepthUpdate[] = [];
  #recentMax: number;
  #held: { snapshot: DepthSnapshot; recv: number } | null = null;
  #everSynced = false;
  #status: SyncStatus;
  #book = (): DepthSnapshot | null => this.sync.inSync ? this.sync.book.snapshot() : null;

  /** Creates the state of `symbol`, out of sync, fed by no connection. */
  constructor(symbol: string, ctx: SymbolContext, options: { maxBuffered: number }) {
    this.symbol = symbol;
    this.#ctx = ctx;
    this.#maxQueued = options.maxBuffered;
    this.#recentMax = Math.min(options.maxBuffered, PRE_SNAPSHOT_EVENTS);
    this.sync = new DepthSync({ maxBuffered: options.maxBuffered });
    this.#status = { state: "stale", since: this.#now(), detail: "start" };
  }

  /** Where the symbol stands, and since when. */
  status(): SyncStatus {
    return { ...this.#status };
  }

  #now(): number {
    return (this.#ctx.now ?? Date.now)();
  }

  #setStatus(state: SyncStatus["state"], detail?: string): void {
    if (this.#status.state === state) return;
    this.#status = { state, since: this.#now(), ...(detail === undefined ? {} : { detail }) };
  }

  /** The in-sync book as a snapshot, or `null` when out of sync. */
  book(): DepthSnapshot | null {
    return this.#book();
  }

  /** Whether the book is in sync. */
  get inSync(): boolean {
    return this.sync.inSync;
  }

  /** Whether a snapshot has been asked for and not yet received. */
  get waitingForSnapshot(): boolean {
    return this.#waiting;
  }

  /** `feed` becomes the symbol's connection (start, or reconnect after a drop). */
  attach(feed: Feed): void {
    if (!this.sync.inSync) this.#setStatus("resyncing", this.#status.detail ?? "start");
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
      this.#accept(event, recv);
      if (this.candidate !== null) this.#tryQueue();
    } else if (feed === this.candidate) {
      this.#fromCandidate(event, recv);
    } else {
      this.stats.duplicates++;
    }
  }

  /**
   * The snapshot request is being sent: `DepthSync` starts buffering, from the last few events
   * received. Before that the events are only recorded, so that hundreds of symbols waiting their
   * turn for the weight budget do not each hold thousands of events in memory.
   */
  onSnapshotDispatched(): void {
    if (this.sync.inSync) return;
    this.#inFlight = true;
    this.sync.desync();
    for (const event of this.#recent) this.sync.onEvent(event);
  }

  /** A snapshot of the symbol's book, received at `recv`. */
  onSnapshot(snapshot: DepthSnapshot, recv: number): void {
    this.#waiting = false;
    this.#inFlight = false;
    this.stats.snapshotsReceived++;
    if (this.sync.inSync) return;
    if (this.sync.bufferedCount === 0) {
      this.#held = { snapshot, recv };
      return;
    }
    this.#useSnapshot(snapshot, recv);
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
        this.#lose("disconnect", detail);
        this.primary = null;
        this.#setStatus("stale", "disconnect");
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
      this.#lose("disconnect", `${detail}; new connection starts at U=${head.event.U}`);
    }
    this.#switch();
  }

  /**
   * Whether an in-sync event starts a gap, by `DepthSync`'s rule: the first event after a
   * snapshot must bridge it, every later one continue exactly. Known before applying, because the
   * gap record must precede the event's record, and the event's record the change to the book.
   */
  #accept(event: DepthUpdate, recv: number): void {
    this.stats.events++;
    this.stats.lag.record(recv + (this.#ctx.clockOffsetMs?.() ?? 0) - event.E);
    if (this.sync.inSync) {
      const id = this.sync.lastUpdateId!;
      // DepthSync's own rule, asked first so a gap is recorded before the event.
      const kind = this.sync.classify(event);
      if (kind === "stale") {
        this.stats.stale++;
        return;
      }
      if (kind === "gap") {
        this.#gap("sequence", id, `expected U=${id + 1} got U=${event.U}`);
        this.#setStatus("resyncing", "sequence");
        this.#write(event, recv, () => null); // after the gap the book no longer counts
        this.#bufferAfterGap(event);
        this.#recent = [event];
        this.lastSeenU = event.u;
        this.#request();
        return;
      }
      this.#write(event, recv);
      this.sync.onEvent(event);
      this.lastSeenU = event.u;
      this.stats.applied++;
      this.#afterApply();
      return;
    }
    if (this.lastSeenU !== null && event.u <= this.lastSeenU) {
      this.stats.duplicates++; // already buffered and recorded
      return;
    }
    this.#write(event, recv);
    this.lastSeenU = event.u;
    this.#recent.push(event);
    if (this.#recent.length > this.#recentMax) this.#recent.shift();
    if (this.#inFlight || this.#held !== null) this.sync.onEvent(event);
    if (this.#held !== null) {
      const held = this.#held;
      this.#held = null;
      this.#useSnapshot(held.snapshot, held.recv);
    } else if (!this.#waiting) {
      this.#request();
    }
  }

  #write(event: DepthUpdate, recv: number, book = this.#book): void {
    this.#ctx.sink.write(this.symbol, depthUpdateRecord(event, recv), book);
    this.stats.written++;
  }

  /** After a sequence gap DepthSync is out of sync; make sure the event starts the new buffer. */
  #bufferAfterGap(event: DepthUpdate): void {
    const outcome = this.sync.onEvent(event);
    if (outcome.kind !== "gap") return;
    if (this.sync.bufferedCount === 0) this.sync.onEvent(event);
  }

  #afterApply(): void {
    const book = this.sync.book;
    if (book.isCrossed()) {
      this.stats.crossed++;
      (this.#ctx.crossedLog ?? this.#ctx.log).warn(`Book of ${this.symbol} is crossed`, {
        symbol: this.symbol,
        lastUpdateId: book.lastUpdateId,
        bestBid: book.bestBid()?.[0],
        bestAsk: book.bestAsk()?.[0],
      });
    }
    this.#ctx.onApplied?.(this.symbol, book);
  }

  #request(): void {
    this.#waiting = true;
    this.stats.snapshotsRequested++;
    const priority = this.#everSynced ? "resync" : "start";
    if (priority === "resync") this.stats.resyncs++;
    this.#ctx.requestSnapshot(this.symbol, priority);
  }

  #useSnapshot(snapshot: DepthSnapshot, recv: number): void {
    this.#ctx.sink.write(this.symbol, {
      type: "snapshot",
      recv,
      lastUpdateId: snapshot.lastUpdateId,
      bids: snapshot.bids,
      asks: snapshot.asks,
      source: "rest",
    }, () => null);
    this.stats.snapshotRecords.rest++;
    const outcome = this.sync.onSnapshot(snapshot);
    if (outcome.kind === "synced") {
      this.#recent = [];
      this.stats.syncs++;
      this.#setStatus("in-sync");
      this.#everSynced = true;
      this.#ctx.log.debug(`${this.symbol} in sync at ${this.sync.lastUpdateId}`, {
        symbol: this.symbol,
        snapshot: snapshot.lastUpdateId,
        applied: outcome.applied,
        dropped: outcome.dropped,
      });
      this.#ctx.onApplied?.(this.symbol, this.sync.book);
      return;
    }
    this.#ctx.log.debug(
      `Snapshot of ${this.symbol} does not fit: ${outcome.kind}; fetching again`,
      {
        symbol: this.symbol,
        snapshot: snapshot.lastUpdateId,
      },
    );
    this.#request();
  }

  #gap(reason: GapReason, lastUpdateId: number | null, detail: string): void {
    const gap: GapRecord = { type: "gap", recv: this.#ctx.recvNow(), lastUpdateId, reason, detail };
    this.#ctx.sink.write(this.symbol, gap, () => null);
    this.stats.gaps++;
    this.stats.gapReasons[reason] = (this.stats.gapReasons[reason] ?? 0) + 1;
    (this.#ctx.gapLog ?? this.#ctx.log).info(`Gap in ${this.symbol}: ${reason} (${detail})`, {
      symbol: this.symbol,
      reason,
      lastUpdateId,
    });
  }

  /** The book and any buffer are lost: record why (when anything was known) and start over. */
  #lose(reason: GapReason, detail: string): void {
    this.#setStatus("resyncing", reason);
    if (this.sync.inSync || this.sync.bufferedCount > 0 || this.lastSeenU !== null) {
      this.#gap(reason, this.sync.inSync ? this.sync.lastUpdateId : null, detail);
    }
    this.sync.desync();
    this.lastSeenU = null;
    this.#held = null;
    this.#recent = [];
    this.#inFlight = false;
    if (this.#waiting) {
      this.#waiting = false;
      this.#ctx.cancelSnapshot?.(this.symbol);
    }
  }

  #fromCandidate(event: DepthUpdate, recv: number): void {
    if (this.lastSeenU === null) {
      this.#switch();
      this.#accept(event, recv);
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
    for (const { event, recv } of queued) this.#accept(event, recv);
    this.#ctx.onSwitched?.(this.symbol, feed);
  }
}
