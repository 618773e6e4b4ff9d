/**
 * Binance's replay rules over the records of recording files, once, for every reader (`verify`,
 * `replay`): `docs/FORMAT.md`, "Replaying a file". Records go in in file order; what happened to
 * each comes out through a {@linkcode ReplayListener}: events applied, duplicates, snapshots that
 * synced the book, checkpoints compared, every loss of sync with its cause, and whether a day file
 * continues the day before. The sync state machine itself is {@linkcode DepthSync}, the one the
 * collector uses; this adds what only files have: headers, gaps, `book` checkpoints, events whose
 * levels cannot be applied, and the link between two days.
 *
 * Generic over the book: {@linkcode numericReplay} (numbers, fast: `verify`) and
 * {@linkcode stringReplay} (the exchange's strings: `replay`'s rows) make the same decisions, since
 * both compare checkpoints by value.
 *
 * The rules, per file (each file starts out of sync, with an empty book and buffer):
 *
 * - A `header` on line 1 opens the file; anywhere else a new process took over: sync is lost.
 *   Its `market` says whose rules apply to what follows: spot (`U == previous u + 1`) or
 *   USDⓈ-M futures (`pu == previous u`, a snapshot drops `u < lastUpdateId` and is bridged by
 *   `U <= lastUpdateId <= u`); see {@linkcode DepthSync}. Before any header, spot.
 * - A `gap`: sync is lost.
 * - Out of sync, an event is buffered; a snapshot bridges the buffer (`DepthSync.onSnapshot`).
 * - In sync, an event with `u <=` the book's id is a duplicate, ignored (even when its levels
 *   cannot be applied: it changes nothing; futures: before the first event after a snapshot only
 *   `u <` it is); one that does not continue the book is a discontinuity (sync lost, the event
 *   starts the new buffer); any other is applied.
 * - An event whose levels are not plain decimals cannot be applied: sync is lost.
 * - In sync, a `rest` snapshot is ignored; a `book` snapshot is a checkpoint, compared by value
 *   with the replayed book, which is kept either way. An equal one lets the next event bridge the
 *   book rather than continue it exactly (`DepthSync.onEqualSnapshot`: a handoff).
 * - A file that follows the day before (same directory, next UTC day) continues it when it opens
 *   (line 1 a header, line 2 a `book` snapshot) with the day before's final in-sync book, by id
 *   and levels. The book is set from the opening snapshot either way.
 *
 * @module
 */
import type { DepthSnapshot, Market } from "../binance/types.ts";
import { DepthSync, type SyncBook } from "../book/depth_sync.ts";
import { NumericBook, numericDifference, numericUpdate } from "../book/numeric_book.ts";
import { OrderBook } from "../book/order_book.ts";
import { parsePrice, parseQuantity } from "../book/decimal.ts";
import type { DepthUpdateRecord, SnapshotRecord } from "./records.ts";
import { levelsProblem, type ParsedRecord } from "./record_parse.ts";
import type { NumericEvent } from "./record_reader.ts";

/** What the replay needs of an event: its ids and its event time. */
export interface ReplayEvent {
  U: number;
  u: number;
  /** Event time, epoch ms. */
  E: number;
  /** Futures: `u` of the previous event. */
  pu?: number;
}

/**
 * Why the book went out of sync (or, out of sync, why the buffer was dropped). `lastUpdateId` is
 * the book's id when it was in sync until then, else `null`; `line` the line that caused it.
 */
export type SyncLoss =
  | {
    /** `file`: the next file begins (line 0); `header`: a header after line 1; `gap`: a gap. */
    cause: "file" | "header" | "gap";
    line: number;
    lastUpdateId: number | null;
  }
  | {
    /** In sync, an event that does not continue the book; it starts the new buffer. */
    cause: "discontinuity";
    line: number;
    lastUpdateId: number;
    event: ReplayEvent;
  }
  | {
    /** An event whose levels cannot be applied (`reason` names the value). */
    cause: "invalid";
    line: number;
    lastUpdateId: number | null;
    event: ReplayEvent;
    reason: string;
  }
  | {
    /** Handling the line threw (see {@linkcode RecordReplay.fail}); the book cannot be trusted. */
    cause: "error";
    line: number;
    lastUpdateId: number | null;
    reason: string;
  };

/** Whether a day file continues the day before (`docs/FORMAT.md`, `continuity`). */
export interface DayLink {
  status: "continues" | "broken" | "not-claimed";
  detail: string;
}

/** A snapshot met out of sync set the book. */
export interface Synced {
  snapshot: SnapshotRecord;
  line: number;
  /** Buffered events applied after it. */
  applied: number;
  /** `E` of the last of them, `null` when none was. */
  time: number | null;
  /** It is the opening of a file that continues the day before: no resync. */
  seamless: boolean;
}

/** What {@linkcode RecordReplay} reports; every method is optional. */
export interface ReplayListener<E> {
  /** In sync, `event` continues the book and is about to be applied (the book is still before it). */
  applying?(event: E, line: number): void;
  /** In sync, `event` was applied. */
  applied?(event: E, line: number): void;
  /** Out of sync, a snapshot set the book: in sync now. */
  synced?(synced: Synced): void;
  /** In sync, a `book` snapshot compared with the replayed book: equal (`undefined`) or not. */
  checkpoint?(snapshot: SnapshotRecord, difference: string | undefined, line: number): void;
  /** In sync, an event with `u <=` the book's id (`lastUpdateId`): ignored. */
  duplicate?(event: ReplayEvent, lastUpdateId: number, line: number): void;
  /** Sync was lost (or, out of sync, the buffer dropped), and why. */
  lost?(loss: SyncLoss): void;
  /** For a file that follows the day before: whether it continues it. */
  dayLink?(link: DayLink): void;
}

/** How a {@linkcode RecordReplay} makes, feeds and compares its book. */
export interface RecordReplayOptions<E, B> {
  /** A new, empty book (one per file). */
  newBook(): B;
  /** The event of a `depthUpdate` record whose levels are all plain decimals. */
  toEvent(record: DepthUpdateRecord): E;
  /** The first difference by value between `book` and a snapshot at its id, or `undefined`. */
  difference(book: B, snapshot: DepthSnapshot): string | undefined;
}

/** Binance's rules over records, file by file; see the module documentation. */
export class RecordReplay<E extends ReplayEvent, B extends SyncBook<E>> {
  readonly #options: RecordReplayOptions<E, B>;
  #sync: DepthSync<E, B>;
  #listener: ReplayListener<E> = {};
  /** The day before's sync, in sync at its end, until the file's opening is known. */
  #previous: DepthSync<E, B> | null = null;
  #headerFirst = false;
  /** `E` of the last event buffered (or that started a buffer). */
  #bufferedE: number | null = null;
  /** Whose rules: the market of the file's last header (spot until one says otherwise). */
  #market: Market = "spot";

  /** A replay, out of sync; call {@linkcode RecordReplay.startFile} before the first record. */
  constructor(options: RecordReplayOptions<E, B>) {
    this.#options = options;
    this.#sync = new DepthSync<E, B>({ book: options.newBook() });
  }

  /** Whose rules apply now: the market of the current file's last header, else spot. */
  get market(): Market {
    return this.#market;
  }

  /** Whether the book is in sync. */
  get inSync(): boolean {
    return this.#sync.inSync;
  }

  /** The book: meaningful only while {@linkcode RecordReplay.inSync}. */
  get book(): B {
    return this.#sync.book;
  }

  /**
   * Begins the next file, out of sync, reporting to `listener`. With `follows` (the file is the
   * next UTC day of the same symbol's directory), its opening is compared with the book the last
   * file ended with. The last file's listener is told that its sync ended with it.
   */
  startFile(listener: ReplayListener<E>, options: { follows?: boolean } = {}): void {
    this.endFile();
    const last = this.#sync;
    const id = last.lastUpdateId;
    if (id !== null) this.#listener.lost?.({ cause: "file", line: 0, lastUpdateId: id });
    this.#listener = listener;
    this.#market = "spot";
    this.#sync = new DepthSync<E, B>({ book: this.#options.newBook() });
    this.#headerFirst = false;
    this.#bufferedE = null;
    if (!options.follows) return;
    if (id !== null) this.#previous = last;
    else listener.dayLink?.({ status: "not-claimed", detail: "the day before ends out of sync" });
  }

  /** Ends the file (also done by the next `startFile`): an opening still awaited is not coming. */
  endFile(): void {
    if (this.#previous !== null) this.#notOpened();
  }

  /** Takes the checked record of line `line`. */
  record(r: ParsedRecord, line: number): void {
    if (this.#previous !== null && line > 1 && !this.#opens(r, line)) this.#notOpened();
    switch (r.type) {
      case "depthUpdate": {
        const invalid = levelsProblem(r.b) ?? levelsProblem(r.a);
        if (invalid === undefined) return this.event(this.#options.toEvent(r), line);
        const sync = this.#sync;
        const id = sync.lastUpdateId;
        if (id !== null && sync.isStale(r.u)) return this.#listener.duplicate?.(r, id, line);
        return this.#lose({ cause: "invalid", line, lastUpdateId: id, event: r, reason: invalid });
      }
      case "snapshot":
        return this.#snapshot(r, line);
      case "gap":
        return this.#lose({ cause: "gap", line, lastUpdateId: this.#sync.lastUpdateId });
      case "header":
        if (line === 1) {
          this.#headerFirst = true;
          return this.#setMarket(r.market);
        }
        this.#lose({ cause: "header", line, lastUpdateId: this.#sync.lastUpdateId });
        return this.#setMarket(r.market);
      default:
        return;
    }
  }

  /** Takes the event of line `line` (a `depthUpdate` whose levels can be applied). */
  event(ev: E, line: number): void {
    if (this.#previous !== null) this.#notOpened();
    const sync = this.#sync;
    if (!sync.inSync) {
      sync.onEvent(ev);
      this.#bufferedE = ev.E;
      return;
    }
    const listener = this.#listener;
    const id = sync.book.lastUpdateId;
    if (sync.isStale(ev.u)) return listener.duplicate?.(ev, id, line);
    if (listener.applying !== undefined && sync.classify(ev) === "applied") {
      listener.applying(ev, line);
    }
    if (sync.onEvent(ev).kind === "applied") return listener.applied?.(ev, line);
    // A gap: DepthSync is out of sync, and the event starts its buffer.
    this.#bufferedE = ev.E;
    listener.lost?.({ cause: "discontinuity", line, lastUpdateId: id, event: ev });
  }

  /** Handling line `line` threw `error`: the book cannot be trusted, sync is lost. */
  fail(line: number, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.#lose({ cause: "error", line, lastUpdateId: this.#sync.lastUpdateId, reason });
  }

  #snapshot(s: SnapshotRecord, line: number): void {
    const sync = this.#sync;
    const listener = this.#listener;
    if (sync.inSync) {
      if (s.source === "rest") return; // only used to get in sync
      const id = sync.book.lastUpdateId;
      const difference = s.lastUpdateId !== id
        ? `the snapshot is at update id ${s.lastUpdateId}, the replayed book at ${id}`
        : this.#options.difference(sync.book, s);
      if (difference === undefined) sync.onEqualSnapshot();
      return listener.checkpoint?.(s, difference, line);
    }
    let seamless = false;
    const previous = this.#previous;
    if (previous !== null) {
      this.#previous = null;
      const link = linkDays(previous.book, s, (b, o) => this.#options.difference(b, o));
      seamless = link.status === "continues";
      listener.dayLink?.(link);
    }
    const outcome = sync.onSnapshot(s);
    if (outcome.kind !== "synced") return;
    const applied = outcome.applied;
    listener.synced?.({
      snapshot: s,
      line,
      applied,
      time: applied > 0 ? this.#bufferedE : null,
      seamless,
    });
  }

  /** Whether record `r` of line `line` is the opening `book` snapshot (after a line-1 header). */
  #opens(r: ParsedRecord, line: number): boolean {
    return line === 2 && this.#headerFirst && r.type === "snapshot" && r.source === "book";
  }

  #notOpened(): void {
    this.#previous = null;
    this.#listener.dayLink?.({
      status: "not-claimed",
      detail: "the file does not open with a book snapshot",
    });
  }

  /** Out of sync (a file's start, or after a header): the rules of `market` from here. */
  #setMarket(market: Market): void {
    if (market === this.#market) return;
    this.#market = market;
    this.#sync = new DepthSync<E, B>({ book: this.#options.newBook(), market });
  }

  #lose(loss: SyncLoss): void {
    this.#sync.desync();
    this.#listener.lost?.(loss);
  }
}

/**
 * The day link (`docs/FORMAT.md`, `continuity`): the day before ended in sync with `final`; does
 * the next file's `opening` snapshot continue it (same update id, same levels by `difference`)?
 * A pure function of the two books, so days verified apart can be linked afterwards.
 */
export function linkDays<B extends { readonly lastUpdateId: number }>(
  final: B,
  opening: SnapshotRecord,
  difference: (book: B, snapshot: SnapshotRecord) => string | undefined,
): DayLink {
  const endId = final.lastUpdateId;
  let broken: string | undefined;
  if (opening.lastUpdateId !== endId) {
    broken = `it opens at update id ${opening.lastUpdateId}, the day before ends at ${endId}` +
      (opening.lastUpdateId > endId
        ? ` (update ids ${endId + 1}–${opening.lastUpdateId} are missing)`
        : "");
  } else {
    const d = difference(final, opening);
    if (d !== undefined) broken = `its opening book differs from the day before's final book: ${d}`;
  }
  return broken === undefined
    ? { status: "continues", detail: `continues at update id ${endId}` }
    : { status: "broken", detail: broken };
}

/** A replay into a {@linkcode NumericBook}: numbers, fast (`verify`; scanner events fit). */
export function numericReplay(): RecordReplay<NumericEvent, NumericBook> {
  return new RecordReplay<NumericEvent, NumericBook>({
    newBook: () => new NumericBook(),
    toEvent: (r) =>
      r.pu === undefined
        ? { E: r.E, ...numericUpdate(r) }
        : { E: r.E, pu: r.pu, ...numericUpdate(r) },
    difference: (book, snapshot) => numericDifference(book.snapshot(), snapshot),
  });
}

/** A replay into an {@linkcode OrderBook}: the exchange's strings kept (`replay`'s rows). */
export function stringReplay(): RecordReplay<DepthUpdateRecord, OrderBook> {
  return new RecordReplay<DepthUpdateRecord, OrderBook>({
    newBook: () => new OrderBook(),
    toEvent: (r) => r,
    difference: (book, snapshot) => {
      const { lastUpdateId, bids, asks } = book.snapshot();
      const numbers = (levels: typeof bids) =>
        levels.map(([p, q]): [number, number] => [parsePrice(p), parseQuantity(q)]);
      return numericDifference(
        { lastUpdateId, bids: numbers(bids), asks: numbers(asks) },
        snapshot,
      );
    },
  });
}
