/**
 * One symbol's book kept in sync and recorded, from one continuous run of events: each event is
 * recorded before the book changes, then given to {@linkcode DepthSync} (the sync rules); out of
 * sync, a snapshot is requested and recorded when it comes; a sequence gap or a lost connection is
 * recorded as a gap; {@linkcode SyncStatus} says where the symbol stands. Connections are not its
 * business: the connection layer's `FeedMerge` (`feed_merge.ts`) merges every connection carrying
 * the symbol into one run, in update-id order, each event once, and passes it on to
 * {@linkcode SymbolSync.accept}; it is the {@linkcode RunTarget} of that merge.
 *
 * @module
 */
import type { DepthSnapshot, DepthUpdate, Market } from "../binance/types.ts";
import { DepthSync } from "../book/depth_sync.ts";
import type { OrderBook } from "../book/order_book.ts";
import type { Logger } from "../util/log.ts";
import {
  depthUpdateRecord,
  type GapReason,
  type GapRecord,
  snapshotRecord,
} from "../recording/records.ts";
import type { RunTarget } from "./feed_merge.ts";
import type { RecordSink } from "./sink.ts";
import { newSymbolStats, type SymbolStats } from "./symbol_stats.ts";
import type { SnapshotPriority } from "./snapshot_scheduler.ts";

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

/** What {@linkcode SymbolSync} needs from its surroundings. */
export interface SymbolSyncContext {
  /** Where records go. */
  sink: RecordSink;
  /** Asks the snapshot scheduler for a snapshot. */
  requestSnapshot(symbol: string, priority: SnapshotPriority): void;
  /** Withdraws a queued request (the events it was to bridge are lost). */
  cancelSnapshot?(symbol: string): void;
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

/** One symbol's sync and records, from the events {@linkcode SymbolSync.accept} is given. */
export class SymbolSync implements RunTarget {
  readonly symbol: string;
  readonly sync: DepthSync;
  readonly stats: SymbolStats = newSymbolStats();
  #lastSeenU: number | null = null;
  #ctx: SymbolSyncContext;
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

  /** Creates the sync of `symbol`: out of sync, `stale` (no connection yet). */
  constructor(
    symbol: string,
    ctx: SymbolSyncContext,
    options: { maxBuffered: number; market?: Market },
  ) {
    this.symbol = symbol;
    this.#ctx = ctx;
    this.#recentMax = Math.min(options.maxBuffered, PRE_SNAPSHOT_EVENTS);
    this.sync = new DepthSync({
      maxBuffered: options.maxBuffered,
      market: options.market ?? "spot",
    });
    this.#status = { state: "stale", since: this.#now(), detail: "start" };
  }

  /** Final update id of the last event accepted (applied or buffered), `null` after a loss. */
  get lastSeenU(): number | null {
    return this.#lastSeenU;
  }

  /** Where the symbol stands, and since when. */
  status(): SyncStatus {
    return { ...this.#status };
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

  /** A connection feeds the symbol again: out of sync, it is now `resyncing`. */
  onAttached(): void {
    if (!this.sync.inSync) this.#setStatus("resyncing", this.#status.detail ?? "start");
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
   * The next event of the run, received at `recv`: recorded, then applied, buffered or dropped.
   * In sync, whether it starts a gap is asked of `DepthSync`'s rule (the first event after a
   * snapshot must bridge it, every later one continue exactly) before applying, because the gap
   * record must precede the event's record, and the event's record the change to the book.
   */
  accept(event: DepthUpdate, recv: number): void {
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
        this.#gap(
          "sequence",
          id,
          this.sync.market === "usdm"
            ? `expected pu=${id} got pu=${event.pu ?? "none"}`
            : `expected U=${id + 1} got U=${event.U}`,
        );
        this.#setStatus("resyncing", "sequence");
        this.#write(event, recv, () => null); // after the gap the book no longer counts
        this.#bufferAfterGap(event);
        this.#recent = [event];
        this.#lastSeenU = event.u;
        this.#request();
        return;
      }
      this.#write(event, recv);
      this.sync.onEvent(event);
      this.#lastSeenU = event.u;
      this.stats.applied++;
      this.#afterApply();
      return;
    }
    this.#write(event, recv);
    this.#lastSeenU = event.u;
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

  /**
   * The run of events is broken (`detail` says how): the book and any buffer are lost. Records a
   * gap when anything was known, withdraws a pending snapshot request, and starts over.
   */
  lose(reason: GapReason, detail: string): void {
    this.#setStatus("resyncing", reason);
    if (this.sync.inSync || this.sync.bufferedCount > 0 || this.#lastSeenU !== null) {
      this.#gap(reason, this.sync.inSync ? this.sync.lastUpdateId : null, detail);
    }
    this.sync.desync();
    this.#lastSeenU = null;
    this.#held = null;
    this.#recent = [];
    this.#inFlight = false;
    if (this.#waiting) {
      this.#waiting = false;
      this.#ctx.cancelSnapshot?.(this.symbol);
    }
  }

  /**
   * The next event overlaps the in-sync book without continuing it (another connection batches
   * updates differently): the book is written as a "book" snapshot, after which (as after any
   * snapshot) the overlapping event bridges it. No gap, no REST request; `verify` replays it the
   * same way.
   */
  carryOver(): void {
    if (!this.sync.inSync) return;
    const book = this.sync.book.snapshot();
    this.#ctx.sink.write(
      this.symbol,
      snapshotRecord(book, this.#ctx.recvNow(), "book"),
      () => null,
    );
    this.stats.snapshotRecords.book++;
    this.sync.onSnapshot(book);
  }

  /**
   * No connection feeds the symbol any more: as {@linkcode SymbolSync.lose} with a `disconnect`
   * gap, and the symbol is `stale` until a connection is attached.
   */
  onDisconnected(detail: string): void {
    this.lose("disconnect", detail);
    this.#setStatus("stale", "disconnect");
  }

  #now(): number {
    return (this.#ctx.now ?? Date.now)();
  }

  #setStatus(state: SyncStatus["state"], detail?: string): void {
    if (this.#status.state === state) return;
    this.#status = { state, since: this.#now(), ...(detail === undefined ? {} : { detail }) };
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
    this.#ctx.sink.write(this.symbol, snapshotRecord(snapshot, recv, "rest"), () => null);
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
      { symbol: this.symbol, snapshot: snapshot.lastUpdateId },
    );
    this.#request();
  }

  #gap(reason: GapReason, lastUpdateId: number | null, detail: string): void {
    const gap: GapRecord = { type: "gap", recv: this.#ctx.recvNow(), lastUpdateId, reason, detail };
    this.#ctx.sink.write(this.symbol, gap, () => null);
    this.stats.gaps++;
    this.stats.gapReasons[reason] = (this.stats.gapReasons[reason] ?? 0) + 1;
    (this.#ctx.gapLog ?? this.#ctx.log).info(
      `Gap in ${this.symbol}: ${reason} (${detail})`,
      { symbol: this.symbol, reason, lastUpdateId },
    );
  }
}
