/**
 * Binance's "How to manage a local order book correctly" (spot, current version) as a pure state
 * machine: events and snapshots in, outcomes out. No I/O, no timers, no idea where events come
 * from, so the live collector and the file replay (`verify`, `replay`) share it.
 *
 * The procedure, per symbol:
 *
 * 1. Out of sync, buffer the diff events. The buffer is always a continuous run
 *    (`U == previous u + 1`): an event that does not continue it restarts it, except a repeat
 *    of events already buffered (e.g. from a second connection), which is ignored as stale.
 * 2. On a snapshot: if its `lastUpdateId` is below the first buffered `U`, it is too old (fetch
 *    another). Otherwise drop buffered events with `u <= lastUpdateId`; the first remaining one
 *    must contain `lastUpdateId + 1` (`U <= lastUpdateId + 1 <= u`). Set the book to the snapshot
 *    and apply the remaining events: in sync.
 * 3. In sync: an event with `u <=` the book's id is stale and ignored. The first event applied
 *    after a snapshot must bridge it (`U <= id + 1 <= u`); every later one must continue exactly
 *    (`U == id + 1`). Anything else is a gap: the book is discarded and the event starts a new
 *    buffer (back to 1).
 *
 * Binance's update procedure only rejects `U > id + 1` once in sync; after the first event we are
 * stricter (`U == id + 1`, as `docs/FORMAT.md` states), since the spot stream never overlaps and
 * an overlap would mean something is wrong.
 *
 * USDⓈ-M futures (`market: "usdm"`, Binance's futures "How to manage a local order book
 * correctly") differ in three places; the rest is the same:
 *
 * - Continuity is `pu == previous u` (each event carries the `u` of the one before it), in the
 *   buffer and in sync; an event without `pu` never continues.
 * - A snapshot drops buffered events with `u < lastUpdateId` (not `<=`), and the first one applied
 *   must contain `lastUpdateId` itself: `U <= lastUpdateId <= u` (so an event with
 *   `u == lastUpdateId` is applied; it changes nothing the snapshot does not already hold).
 * - In sync, before the first event after a snapshot an event with `u < id` is stale, and the
 *   first one is applied when it bridges the book (`U <= id <= u`) or continues it (`pu == id`);
 *   after it, `u <= id` is stale and only `pu == id` continues.
 *
 * @module
 */
import type { DepthSnapshot, DepthUpdate, Market } from "../binance/types.ts";
import { OrderBook } from "./order_book.ts";

/** Options of {@linkcode DepthSync}. */
export interface DepthSyncOptions {
  /** Most events kept while out of sync; the oldest are dropped beyond. Default 10 000. */
  maxBuffered?: number;
  /** Whose rules: Binance spot (`U == previous u + 1`) or USDⓈ-M futures (`pu`). Default spot. */
  market?: Market;
}

/** What the sync rules read of an event: its ids, and for futures the previous event's `u`. */
export interface SyncEvent {
  /** First update id in the event. */
  U: number;
  /** Final update id in the event. */
  u: number;
  /** USDⓈ-M futures: `u` of the event before this one. */
  pu?: number;
}

/** What {@linkcode DepthSync.onEvent} did with an event. */
export type EventOutcome =
  /** Out of sync: kept for the next snapshot. */
  | { kind: "buffered" }
  /** Applied to the book. */
  | { kind: "applied" }
  /**
   * Ignored: in sync and `u <=` the book's id, or out of sync and already in the buffer
   * (`firstBufferedU <= U` and `u <=` the last buffered `u`, e.g. two connections overlapping).
   */
  | { kind: "stale" }
  /**
   * In sync, `u >` the book's id, and the event does not continue the book (`U != id + 1`, or
   * for the first event after a snapshot `U > id + 1`; futures: `pu != id`, or for the first event
   * after a snapshot neither `pu == id` nor `U <= id`). The symbol is now out of sync, the book
   * cleared, and this event is the first one of the new buffer. `field` is the id compared:
   * spot `U` (`expected` `id + 1`), futures `pu` (`expected` `id`; `got` -1 when it has none).
   */
  | { kind: "gap"; lastUpdateId: number; field: "U" | "pu"; expected: number; got: number };

/** What {@linkcode DepthSync.onSnapshot} did with a snapshot. */
export type SnapshotOutcome =
  /** The book is set from the snapshot and `applied` buffered events; `dropped` were older. */
  | { kind: "synced"; applied: number; dropped: number }
  /** `lastUpdateId <` the first buffered `U` (both markets): fetch again. Still out of sync, buffer kept. */
  | { kind: "too-old"; firstBufferedU: number }
  /**
   * After dropping events with `u <= lastUpdateId` (futures `u <`), the first buffered event does
   * not bridge the snapshot ({@linkcode bridges}). Still out of sync; the buffer keeps only the events after the hole. Cannot
   * happen while the buffer stays continuous (it does); kept as a guard.
   */
  | { kind: "no-bridge"; lastUpdateId: number; firstU: number };

/**
 * True when `event` can be the first one applied to a book (a snapshot) at `lastUpdateId`: spot
 * `U <= lastUpdateId + 1 <= u`, futures (`"usdm"`) `U <= lastUpdateId <= u`.
 */
export function bridges(event: SyncEvent, lastUpdateId: number, market: Market = "spot"): boolean {
  const id = market === "usdm" ? lastUpdateId : lastUpdateId + 1;
  return event.U <= id && id <= event.u;
}

/**
 * True when `event` continues exactly the event (or book) ending at `lastU`: spot
 * `U == lastU + 1`, futures (`"usdm"`) `pu == lastU`.
 */
export function continues(event: SyncEvent, lastU: number, market: Market = "spot"): boolean {
  return market === "usdm" ? event.pu === lastU : event.U === lastU + 1;
}

/**
 * True when an event with final id `u` is stale for a book at `lastUpdateId`: `u <=` it, except
 * for futures before the first event after a snapshot (`fresh`), where only `u <` it is.
 */
function isStale(u: number, lastUpdateId: number, market: Market, fresh: boolean): boolean {
  return market === "usdm" && fresh ? u < lastUpdateId : u <= lastUpdateId;
}

/**
 * What {@linkcode DepthSync} needs of a book: {@linkcode OrderBook} (string events) and
 * `NumericBook` (`numeric_book.ts`, numeric events) both are one.
 */
export interface SyncBook<E> {
  /** Update id the book is consistent with. */
  readonly lastUpdateId: number;
  /** Applies an event's level changes and takes its `u`; throws on a level it cannot apply. */
  apply(event: E): void;
  /** Replaces the content with a snapshot. */
  reset(snapshot: DepthSnapshot): void;
  /** Empties the book. */
  clear(): void;
}

/**
 * Options of a {@linkcode DepthSync} over the book `B`: `book` is required unless `B` is the
 * default {@linkcode OrderBook}, which is then created.
 */
export type DepthSyncArgs<B> = OrderBook extends B ? [options?: DepthSyncOptions & { book?: B }]
  : [options: DepthSyncOptions & { book: B }];

/**
 * One symbol's sync state and book; see the module documentation for the rules. Generic over the
 * event `E` and the book `B` applying it: by default the exchange's string events and an
 * {@linkcode OrderBook} (`new DepthSync({ maxBuffered })`); `verify` replays numeric events into
 * a `NumericBook` (`new DepthSync<NumericUpdate, NumericBook>({ book: new NumericBook() })`).
 */
export class DepthSync<
  E extends SyncEvent = DepthUpdate,
  B extends SyncBook<E> = OrderBook & SyncBook<E>,
> {
  /** The local book: meaningful only while {@linkcode DepthSync.inSync}, empty otherwise. */
  readonly book: B;
  #inSync = false;
  /** In sync, whether an event was applied since the snapshot (then `U` must be `id + 1`). */
  #continued = false;
  /** Out of sync: a continuous run of events, oldest first. */
  #buffer: E[] = [];
  readonly #maxBuffered: number;
  readonly #market: Market;

  /** Creates a symbol's state: out of sync, empty book and buffer. */
  constructor(...[options = {}]: DepthSyncArgs<B>) {
    // Without a book, B is OrderBook (DepthSyncArgs requires one otherwise).
    this.book = options.book ?? (new OrderBook() as unknown as B);
    const max = options.maxBuffered ?? 10_000;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(`Invalid maxBuffered ${max}: expected a positive integer`);
    }
    this.#maxBuffered = max;
    const market = options.market ?? "spot";
    if (market !== "spot" && market !== "usdm") {
      throw new RangeError(`Invalid market ${JSON.stringify(market)}: expected "spot" or "usdm"`);
    }
    this.#market = market;
  }

  /** Whose rules this follows: `"spot"` or `"usdm"`. */
  get market(): Market {
    return this.#market;
  }

  /** Whether the book is in sync with the exchange. */
  get inSync(): boolean {
    return this.#inSync;
  }

  /** The book's update id while in sync, else `null`. */
  get lastUpdateId(): number | null {
    return this.#inSync ? this.book.lastUpdateId : null;
  }

  /** Number of events buffered (always 0 in sync). */
  get bufferedCount(): number {
    return this.#buffer.length;
  }

  /** `U` of the oldest buffered event, or `null` when the buffer is empty. */
  get firstBufferedU(): number | null {
    return this.#buffer[0]?.U ?? null;
  }

  /**
   * Takes a diff event. Throws (and goes out of sync) only if the event carries a price or
   * quantity that is not a number, since the book is then half-updated.
   */
  onEvent(event: E): EventOutcome {
    const kind = this.classify(event);
    if (kind === "buffered") {
      this.#bufferEvent(event);
      return { kind };
    }
    if (kind === "applied") {
      this.#apply(event);
      this.#continued = true;
      return { kind };
    }
    if (kind === "gap") {
      const id = this.book.lastUpdateId;
      this.desync();
      this.#buffer.push(event);
      return this.#market === "usdm"
        ? { kind, lastUpdateId: id, field: "pu", expected: id, got: event.pu ?? -1 }
        : { kind, lastUpdateId: id, field: "U", expected: id + 1, got: event.U };
    }
    return { kind };
  }

  /**
   * What {@linkcode DepthSync.onEvent} would do with `event`, without doing it: lets a caller
   * decide (e.g. record a gap) before the state changes.
   */
  classify(event: SyncEvent): EventOutcome["kind"] {
    const buffer = this.#buffer;
    const market = this.#market;
    if (!this.#inSync) {
      const last = buffer[buffer.length - 1];
      const repeated = last !== undefined && !continues(event, last.u, market) &&
        event.U >= buffer[0]!.U && event.u <= last.u;
      return repeated ? "stale" : "buffered";
    }
    const id = this.book.lastUpdateId;
    const fresh = !this.#continued;
    if (isStale(event.u, id, market, fresh)) return "stale";
    const follows = continues(event, id, market) ||
      (fresh && (market === "usdm" ? event.U <= id : event.U <= id + 1));
    return follows ? "applied" : "gap";
  }

  /**
   * Whether an event with final id `u` would be stale in sync now (`u <=` the book's id; futures
   * before the first event after a snapshot `u <` it); `false` out of sync.
   */
  isStale(u: number): boolean {
    return this.#inSync && isStale(u, this.book.lastUpdateId, this.#market, !this.#continued);
  }

  /**
   * Takes a depth snapshot. Out of sync, follows the procedure above. A snapshot arriving while
   * in sync resets the book to it (as after a resync) and the next event must bridge it; the
   * caller decides whether a snapshot is wanted then (an older one makes the next event a gap).
   */
  onSnapshot(snapshot: DepthSnapshot): SnapshotOutcome {
    const lastUpdateId = snapshot.lastUpdateId;
    const buffer = this.#buffer;
    const first = buffer[0];
    if (!this.#inSync && first !== undefined && lastUpdateId < first.U) {
      return { kind: "too-old", firstBufferedU: first.U };
    }
    const market = this.#market;
    let dropped = 0;
    while (
      dropped < buffer.length && isStale(buffer[dropped]!.u, lastUpdateId, market, true)
    ) dropped++;
    const rest = buffer.slice(dropped);
    const head = rest[0];
    if (head !== undefined && !bridges(head, lastUpdateId, market)) {
      this.#buffer = rest;
      return { kind: "no-bridge", lastUpdateId, firstU: head.U };
    }
    this.book.reset(snapshot);
    this.#buffer = [];
    this.#inSync = true;
    this.#continued = false;
    for (const event of rest) {
      this.#apply(event);
      this.#continued = true;
    }
    return { kind: "synced", applied: rest.length, dropped };
  }

  /**
   * In sync, the book was found equal to a snapshot at its own update id (a `book` checkpoint,
   * checked by the caller): as after {@linkcode DepthSync.onSnapshot} with it, the next event may
   * bridge the book rather than continue it exactly, but nothing is reloaded. Out of sync, nothing.
   */
  onEqualSnapshot(): void {
    if (this.#inSync) this.#continued = false;
  }

  /** Goes out of sync (e.g. on disconnect): book and buffer cleared. */
  desync(): void {
    this.#inSync = false;
    this.#continued = false;
    this.#buffer = [];
    this.book.clear();
  }

  /** Appends to the buffer; an event that does not continue it starts a new run. */
  #bufferEvent(event: E): void {
    const buffer = this.#buffer;
    const last = buffer[buffer.length - 1];
    if (last !== undefined && !continues(event, last.u, this.#market)) buffer.length = 0;
    buffer.push(event);
    if (buffer.length > this.#maxBuffered) buffer.shift();
  }

  #apply(event: E): void {
    try {
      this.book.apply(event);
    } catch (error) {
      this.desync();
      throw error;
    }
  }
}
