/**
 * `verify --cross-check`: the exchange's own best bid and ask (its bookTickers) against the book
 * replayed from a depth file. The two files are merged by update id: a bookTicker with `u = X` is
 * compared with the book right after the event whose `u` is X (or the snapshot that synced the
 * book at X), best bid price and quantity and best ask price and quantity, by value. bookTickers
 * whose `u` is not such a point (inside an event's range, or while the book was out of sync) are
 * not compared. See `docs/FORMAT.md`, "Cross-check".
 *
 * The depth file's verifier hands the book's best levels at every in-sync point to
 * {@linkcode CrossChecker.point} as it goes; after each block of lines {@linkcode CrossChecker.drain}
 * reads the bookTickers up to the last point and compares them, so memory stays bounded. One
 * checker follows a symbol's bookTicker files in date order across its depth files, since the
 * day of a bookTicker (its `recv`) and of an event (its `E`) may differ around midnight.
 *
 * @module
 */
import { parsePrice, parseQuantity } from "../book/decimal.ts";
import type { NumericBook } from "../book/numeric_book.ts";
import type { ParsedRecord } from "../recording/record_parse.ts";
import { readRecords, type RecordSink } from "../recording/record_reader.ts";
import type { Problem } from "./report.ts";

/** A bookTicker waiting to be compared. */
interface Ticker {
  u: number;
  b: string;
  B: string;
  a: string;
  A: string;
  path: string;
  line: number;
}

/** Where the problems and counts of the depth file being checked go. */
export interface CrossCheckTarget {
  /** One more bookTicker compared; `problem` when it disagreed. */
  compared(problem: Omit<Problem, "kind"> | undefined): void;
}

/** Numbers per point in the points of a block. */
const STRIDE = 8;

/** A number for a message: the book's value, or `none` for an empty side. */
function show(price: number | undefined, quantity: number | undefined): string {
  return price === undefined ? "none" : `${price}/${quantity}`;
}

/** Compares a symbol's bookTicker files (in date order) with the books of its depth files. */
export class CrossChecker {
  readonly #paths: string[];
  #reader: AsyncIterator<void> | null = null;
  #readerPath = "";
  #queue: Ticker[] = [];
  #head = 0;
  #done = false;
  /** Points of the current block: u, line, byte, E, bid price, bid qty, ask price, ask qty. */
  #points: number[] = [];
  #target: CrossCheckTarget | null = null;
  readonly #sink: RecordSink;

  /** A checker over the bookTicker files at `paths`, in date order. */
  constructor(paths: readonly string[]) {
    this.#paths = [...paths];
    this.#sink = {
      record: (r: ParsedRecord, line: number) => {
        if (r.type !== "bookTicker") return;
        this.#queue.push({ u: r.u, b: r.b, B: r.B, a: r.a, A: r.A, path: this.#readerPath, line });
      },
      // Damage in the bookTicker file is verify's finding for that file, not the cross-check's.
      bad() {},
    };
  }

  /** The depth file whose points follow reports to `target`. */
  startFile(target: CrossCheckTarget): void {
    this.#target = target;
    this.#points = [];
  }

  /**
   * The book is in sync at update id `book.lastUpdateId` after line `line` (event time `E`) of
   * the gzip member at byte `byte`.
   */
  point(book: NumericBook, line: number, byte: number, E: number | null): void {
    const bid = book.bestBid();
    const ask = book.bestAsk();
    this.#points.push(
      book.lastUpdateId,
      line,
      byte,
      E ?? NaN,
      bid?.[0] ?? NaN,
      bid?.[1] ?? NaN,
      ask?.[0] ?? NaN,
      ask?.[1] ?? NaN,
    );
  }

  /** Compares the bookTickers up to the last point so far with the points, then forgets them. */
  async drain(): Promise<void> {
    const points = this.#points;
    if (points.length === 0) return;
    this.#points = [];
    let maxU = 0;
    for (let i = 0; i < points.length; i += STRIDE) maxU = Math.max(maxU, points[i]!);
    while (!this.#done && (this.#head >= this.#queue.length || this.#queue.at(-1)!.u <= maxU)) {
      await this.#read();
    }
    for (let i = 0; i < points.length; i += STRIDE) this.#compare(points, i);
    if (this.#head > 4096) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  #compare(points: number[], i: number): void {
    const u = points[i]!;
    const queue = this.#queue;
    while (this.#head < queue.length && queue[this.#head]!.u < u) this.#head++;
    for (; this.#head < queue.length && queue[this.#head]!.u === u; this.#head++) {
      const t = queue[this.#head]!;
      const [bidPx, bidQty, askPx, askQty] = [
        points[i + 4]!,
        points[i + 5]!,
        points[i + 6]!,
        points[i + 7]!,
      ];
      const agree = parsePrice(t.b) === bidPx && parseQuantity(t.B) === bidQty &&
        parsePrice(t.a) === askPx && parseQuantity(t.A) === askQty;
      if (agree) {
        this.#target?.compared(undefined);
        continue;
      }
      const line = points[i + 1]!;
      const byte = points[i + 2]!;
      const E = points[i + 3]!;
      const nan = (x: number) => Number.isNaN(x) ? undefined : x;
      const time = Number.isNaN(E) ? undefined : new Date(E).toISOString();
      this.#target?.compared({
        message: `bookTicker ${t.path}:${t.line} u=${u} says best bid ${t.b}/${t.B}, ` +
          `best ask ${t.a}/${t.A}; the book replayed to line ${line} (u=${u}) has best bid ` +
          `${show(nan(bidPx), nan(bidQty))}, best ask ${show(nan(askPx), nan(askQty))}`,
        line,
        byte,
        ...(time === undefined ? {} : { time }),
      });
    }
  }

  /** Reads the next block of bookTickers, opening the next file when one ends. */
  async #read(): Promise<void> {
    while (true) {
      if (this.#reader === null) {
        const path = this.#paths.shift();
        if (path === undefined) {
          this.#done = true;
          return;
        }
        this.#readerPath = path;
        this.#reader = readRecords(path, this.#sink)[Symbol.asyncIterator]();
      }
      const step = await this.#reader.next();
      if (!step.done) return;
      this.#reader = null;
    }
  }
}
