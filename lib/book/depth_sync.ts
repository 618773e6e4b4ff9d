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
 * @module
 */
import type { DepthSnapshot, DepthUpdate } from "../binance/types.ts";
import { OrderBook } from "./order_book.ts";

/** Options of {@linkcode DepthSync}. */
export interface DepthSyncOptions {
  /** Most events kept while out of sync; the oldest are dropped beyond. Default 10 000. */
  maxBuffered?: number;
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
   * for the first event after a snapshot `U > id + 1`). The symbol is now out of sync, the book
   * cleared, and this event is the first one of the new buffer.
   */
  | { kind: "gap"; lastUpdateId: number; expected: number; got: number };

/** What {@linkcode DepthSync.onSnapshot} did with a snapshot. */
export type SnapshotOutcome =
  /** The book is set from the snapshot and `applied` buffered events; `dropped` were older. */
  | { kind: "synced"; applied: number; dropped: number }
  /** `lastUpdateId <` the first buffered `U`: fetch again. Still out of sync, buffer kept. */
  | { kind: "too-old"; firstBufferedU: number }
  /**
   * After dropping events with `u <= lastUpdateId`, the first buffered event does not contain
   * `lastUpdateId + 1`. Still out of sync; the buffer keeps only the events after the hole. Cannot
   * happen while the buffer stays continuous (it does); kept as a guard.
   */
  | { kind: "no-bridge"; lastUpdateId: number; firstU: number };

/** True when `event` can follow a book at `lastUpdateId`: `U <= lastUpdateId + 1 <= u`. */
export function bridges(event: { U: number; u: number }, lastUpdateId: number): boolean {
  return event.U <= lastUpdateId + 1 && lastUpdateId + 1 <= event.u;
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
  E extends { U: number; u: number } = DepthUpdate,
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

  /** Creates a symbol's state: out of sync, empty book and buffer. */
  constructor(...[options = {}]: DepthSyncArgs<B>) {
    // Without a book, B is OrderBook (DepthSyncArgs requires one otherwise).
    this.book = options.book ?? (new OrderBook() as unknown as B);
    const max = options.maxBuffered ?? 10_000;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(`Invalid maxBuffered ${max}: expected a positive integer`);
    }
    this.#maxBuffered = max;
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
      return { kind, lastUpdateId: id, expected: id + 1, got: event.U };
    }
    return { kind };
  }

  /**
   * What {@linkcode DepthSync.onEvent} would do with `event`, without doing it: lets a caller
   * decide (e.g. record a gap) before the state changes.
   */
  classify(event: { U: number; u: number }): EventOutcome["kind"] {
    const buffer = this.#buffer;
    if (!this.#inSync) {
      const last = buffer[buffer.length - 1];
      const repeated = last !== undefined && event.U !== last.u + 1 &&
        event.U >= buffer[0]!.U && event.u <= last.u;
      return repeated ? "stale" : "buffered";
    }
    const id = this.book.lastUpdateId;
    if (event.u <= id) return "stale";
    const continues = this.#continued ? event.U === id + 1 : event.U <= id + 1;
    return continues ? "applied" : "gap";
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
    let dropped = 0;
    while (dropped < buffer.length && buffer[dropped]!.u <= lastUpdateId) dropped++;
    const rest = buffer.slice(dropped);
    const head = rest[0];
    if (head !== undefined && !bridges(head, lastUpdateId)) {
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
    if (last !== undefined && event.U !== last.u + 1) buffer.length = 0;
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
