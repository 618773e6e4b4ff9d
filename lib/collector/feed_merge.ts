/**
 * The connection layer's output for one symbol: the events of every connection carrying its
 * stream (its feeds) merged by update id into one continuous run, handed to a
 * {@linkcode RunTarget} (the symbol's `SymbolSync`: records, then Binance's sync rules). This is
 * the one place that decides whether an event continues the run (`U == last u + 1`; USDⓈ-M
 * futures, `market: "usdm"`: `pu == last u`, book's `continues()`); the target
 * only applies the sync rules to what it is given.
 *
 * Merging: an event is taken from whichever feed delivers it first, when it continues the run; a
 * copy that arrives later is dropped, not recorded. An event that leaves a hole (or overlaps the
 * run: another batching) is held while another feed may still fill it (a feed that is not past the
 * hole); it is given up on (the target then records the hole as a sequence gap) when no feed can
 * fill it, when it was held longer than `holdMs`, or when more than `maxHeld` events wait behind
 * it. So with two connections (redundancy), losing one loses nothing: no gap, no snapshot. The
 * same mechanism carries a handoff (rollover, `serverShutdown`): the replacement is a feed that is
 * `joining` until its events have caught up exactly with the run (`onJoined`); the pool then
 * detaches the old one.
 *
 * When a feed is detached (closed, or retired after a handoff) and a held event can no longer be
 * filled, the hole is a `disconnect` gap. An overlapping event that no feed can continue exactly
 * (the new connection batches updates differently) is taken after the target carries its book
 * over as a "book" snapshot: no gap, nothing lost, no REST request. When the last feed goes, the
 * target records a `disconnect` gap and is stale until a feed is attached.
 *
 * @module
 */
import type { DepthUpdate, Market } from "../binance/types.ts";
import { bridges, continues } from "../book/depth_sync.ts";
import type { LatencyHistogram } from "../util/latency.ts";

/** Counters of one feed over all its symbols: which connection delivers first. */
export interface FeedDelivery {
  /** Events this feed delivered first (the ones recorded). */
  first: number;
  /** Events this feed delivered after another feed had. */
  repeated: number;
  /** Lag from `E` to receipt of every event it delivered (plus the clock offset), ms. */
  lag: LatencyHistogram;
}

/** A source of events (a connection). */
export interface Feed {
  /** Number for logs. */
  readonly id: number;
  /** Where the feed's delivery counters go, when it keeps them. */
  readonly delivery?: FeedDelivery;
}

/**
 * Where a merged run goes (a symbol's `SymbolSync`): the next event, and what happened to the run.
 */
/** What the merge needs of an event: its first and final id, and its exchange time. */
export interface MergeEvent {
  /** First update id (a trade: its id). */
  U: number;
  /** Final update id (a trade: its id again). */
  u: number;
  /** Exchange time, epoch ms, for the feeds' lag. */
  E: number;
}

export interface RunTarget<E extends MergeEvent = DepthUpdate> {
  /** Final update id of the last event taken, `null` when the run is broken. */
  readonly lastSeenU: number | null;
  /** The next event of the run (continuing it, or across a hole the target records). */
  accept(event: E, recv: number): void;
  /** The run is broken: a feed went and nothing can fill the hole (`detail` says so). */
  lose(reason: "disconnect", detail: string): void;
  /** Another batching ahead: write the in-sync book as a snapshot so that the next event bridges it. */
  carryOver(): void;
  /** A feed again, after none. */
  onAttached(): void;
  /** The last feed went. */
  onDisconnected(detail: string): void;
}

/** Options of {@linkcode FeedMerge}. */
export interface FeedMergeOptions {
  /** Whose continuity rule: spot (`U == last u + 1`, also trades' ids) or usdm (`pu`). Default spot. */
  market?: Market;
  /** Most events held per feed behind a hole. */
  maxHeld: number;
  /** Longest an event is held for another feed to fill the hole before it, ms; 5000 default. */
  holdMs?: number;
  /** Clock, ms; `Date.now` by default. */
  now?: () => number;
  /** Exchange minus local time, ms, added to receipt times for the feeds' lag. */
  clockOffsetMs?: () => number;
  /** Counters: repeated copies dropped, handoffs joined (the symbol's stats). */
  stats: { duplicates: number; handoffs: number };
  /** A joining feed (a handoff's replacement) has caught up with the run. */
  onJoined?(feed: Feed): void;
}

interface Held<E> {
  event: E;
  recv: number;
  /** When it was held, `now()` ms. */
  at: number;
}

/** One feed as one symbol sees it. */
interface FeedState<E> {
  readonly feed: Feed;
  /** Largest `u` the feed delivered for the symbol since it was attached. */
  lastU: number | null;
  /** Its events ahead of the run, in order, waiting for the hole before them to be filled. */
  held: Held<E>[];
  /** A handoff's replacement that has not caught up with the run yet. */
  joining: boolean;
}

/** One symbol's feeds and their merged run. */
export class FeedMerge<E extends MergeEvent = DepthUpdate> {
  readonly symbol: string;
  #target: RunTarget<E>;
  #o: FeedMergeOptions;
  #feeds = new Map<Feed, FeedState<E>>();
  #leader: Feed | null = null;
  #holdMs: number;
  #now: () => number;
  #market: Market;

  /** Merges the feeds of `symbol` into `target`; no feed yet. */
  constructor(symbol: string, target: RunTarget<E>, options: FeedMergeOptions) {
    this.symbol = symbol;
    this.#target = target;
    this.#o = options;
    this.#holdMs = options.holdMs ?? 5000;
    this.#now = options.now ?? Date.now;
    this.#market = options.market ?? "spot";
  }

  /** Final update id of the last event taken into the run. */
  get lastSeenU(): number | null {
    return this.#target.lastSeenU;
  }

  /** The feed whose event was taken last (the first feed attached before any). */
  get primary(): Feed | null {
    return this.#leader ?? this.#feeds.keys().next().value ?? null;
  }

  /** The feeds attached, in the order they were. */
  get feeds(): Feed[] {
    return [...this.#feeds.keys()];
  }

  /** Whether `feed` is a handoff's replacement that has not caught up yet. */
  isJoining(feed: Feed): boolean {
    return this.#feeds.get(feed)?.joining ?? false;
  }

  /** `feed` feeds the symbol too (start, a reconnect, or another redundant connection). */
  attach(feed: Feed): void {
    this.#add(feed, false);
  }

  /** `feed` is to replace another feed once its events have caught up with the run. */
  beginHandoff(feed: Feed): void {
    this.#add(feed, this.#feeds.size > 0);
  }

  /** An event from `feed`, received at `recv`. */
  onEvent(feed: Feed, event: E, recv: number): void {
    const f = this.#feeds.get(feed);
    if (f === undefined) {
      this.#o.stats.duplicates++; // a retired connection's last words
      return;
    }
    feed.delivery?.lag.record(recv + (this.#o.clockOffsetMs?.() ?? 0) - event.E);
    if (f.lastU !== null && event.u <= f.lastU) {
      this.#repeated(f); // the feed repeats itself
      return;
    }
    f.lastU = event.u;
    const last = this.lastSeenU;
    if (last !== null && event.u <= last) {
      this.#repeated(f);
      this.#joined(f);
      return;
    }
    if (f.held.length === 0 && (last === null || continues(event, last, this.#market))) {
      this.#take(f, event, recv);
    } else {
      f.held.push({ event, recv, at: this.#now() });
    }
    this.#drain(null);
  }

  /**
   * `feed` no longer counts (it closed, or a handoff retired it; `detail` says which). Events held
   * for it to fill a hole are given up on (a `disconnect` gap); when it was the last feed, the
   * symbol records a `disconnect` gap and waits for a new one.
   */
  detach(feed: Feed, detail: string): void {
    if (!this.#feeds.delete(feed)) return;
    if (this.#leader === feed) this.#leader = null;
    if (this.#feeds.size > 0) {
      this.#drain(detail);
      return;
    }
    this.#target.onDisconnected(detail);
  }

  #add(feed: Feed, joining: boolean): void {
    if (this.#feeds.has(feed)) return;
    if (this.#feeds.size === 0) this.#target.onAttached();
    this.#feeds.set(feed, { feed, lastU: null, held: [], joining });
  }

  #repeated(f: FeedState<E>): void {
    this.#o.stats.duplicates++;
    if (f.feed.delivery) f.feed.delivery.repeated++;
  }

  #take(f: FeedState<E>, event: E, recv: number): void {
    this.#target.accept(event, recv);
    this.#leader = f.feed;
    if (f.feed.delivery) f.feed.delivery.first++;
  }

  /** A joining feed with nothing held that has delivered exactly up to the run has caught up. */
  #joined(f: FeedState<E>): void {
    if (!f.joining || f.held.length > 0) return;
    const last = this.lastSeenU;
    if (last !== null && f.lastU !== last) return;
    f.joining = false;
    this.#o.stats.handoffs++;
    this.#o.onJoined?.(f.feed);
  }

  /**
   * Takes every held event that continues the run, drops those the run has passed, and gives up
   * on a hole no feed can fill any more (`detached`: a feed just went; the hole is then a
   * `disconnect` gap).
   */
  #drain(detached: string | null): void {
    while (true) {
      let progress = false;
      for (const f of this.#feeds.values()) {
        while (f.held.length > 0) {
          const head = f.held[0]!;
          const last = this.lastSeenU;
          if (last !== null && head.event.u <= last) {
            f.held.shift();
            this.#repeated(f);
          } else if (last === null || continues(head.event, last, this.#market)) {
            f.held.shift();
            this.#take(f, head.event, head.recv);
            progress = true;
          } else break;
        }
      }
      if (progress) continue;
      const next = this.#earliestHeld();
      if (next === null || !this.#giveUp(next, detached)) break;
      this.#skipTo(next, detached);
    }
    for (const f of this.#feeds.values()) this.#joined(f);
  }

  /** The feed holding the held event that starts earliest, or `null` when nothing is held. */
  #earliestHeld(): FeedState<E> | null {
    let best: FeedState<E> | null = null;
    for (const f of this.#feeds.values()) {
      const head = f.held[0];
      if (head !== undefined && (best === null || head.event.U < best.held[0]!.event.U)) best = f;
    }
    return best;
  }

  /** Whether to stop waiting for the hole before `f`'s first held event. */
  #giveUp(f: FeedState<E>, detached: string | null): boolean {
    if (detached !== null) return !this.#fillable();
    const head = f.held[0]!;
    return !this.#fillable() || this.#now() - head.at >= this.#holdMs ||
      f.held.length > this.#o.maxHeld;
  }

  /** Whether some feed has delivered events up to the run and not past it: it may fill a hole. */
  #fillable(): boolean {
    const last = this.lastSeenU;
    for (const f of this.#feeds.values()) {
      if (f.held.length === 0 && f.lastU !== null && last !== null && f.lastU <= last) return true;
    }
    return false;
  }

  /** Takes `f`'s first held event across the hole before it. */
  #skipTo(f: FeedState<E>, detached: string | null): void {
    const { event, recv } = f.held.shift()!;
    const last = this.lastSeenU;
    if (last !== null && bridges(event, last, this.#market)) {
      // Another batching: nothing is missing, but once in sync only exact continuation counts.
      this.#target.carryOver();
    } else if (detached !== null && last !== null) {
      this.#target.lose("disconnect", `${detached}; next event starts at U=${event.U}`);
    }
    // Otherwise the run itself has the hole: the target records it as a sequence gap.
    this.#take(f, event, recv);
  }
}
