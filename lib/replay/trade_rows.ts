/**
 * Trades as rows beside the book rows (`collector replay --with-trades`): every `trade` (or
 * `aggTrade`) of a symbol's trade files, in file order, and the two kinds of row interleaved by
 * exchange time: a trade at its trade time `T`, a book row at its `time`; at equal times the book
 * row comes first.
 *
 * @module
 */
import type { RecordingFile } from "../verify/find_recordings.ts";
import { readRecords, type RecordSink } from "../recording/record_reader.ts";
import type { BookRow } from "./book_rows.ts";

/** One trade (or aggregate trade) as an output row. */
export interface TradeRow {
  kind: "trade";
  /** Trade time `T`, epoch ms. */
  time: number;
  /** Trade id `t` (aggregate trade id `a` for an aggTrade). */
  id: number;
  price: string;
  quantity: string;
  /** Whether the buyer was the maker (`m`). */
  buyerMaker: boolean;
}

/** A row of `replay --with-trades`: a book row or a trade. */
export type ReplayRow = (BookRow & { kind?: "book" }) | TradeRow;

/** Options of {@linkcode replayTradeRows}. */
export interface TradeRowOptions {
  /** Only trades with `T >= from` (epoch ms). */
  from?: number;
  /** Only trades with `T < to` (epoch ms). */
  to?: number;
  /** Called for every line or damage skipped, with the file and line. */
  onSkip?: (message: string) => void;
}

const DAY_MS = 86_400_000;

/** Streams the trades of `files` (one symbol's trade or aggTrade files, in date order). */
export async function* replayTradeRows(
  files: readonly RecordingFile[],
  options: TradeRowOptions = {},
): AsyncGenerator<TradeRow[]> {
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  let rows: TradeRow[] = [];
  let path = "";
  const sink: RecordSink = {
    record(r) {
      let id: number;
      if (r.type === "trade") id = r.t;
      else if (r.type === "aggTrade") id = r.a;
      else return;
      if (r.T < from || r.T >= to) return;
      rows.push({ kind: "trade", time: r.T, id, price: r.p, quantity: r.q, buyerMaker: r.m });
    },
    bad(message, line) {
      options.onSkip?.(`${path}:${line}: ${message}`);
    },
    damage(message) {
      options.onSkip?.(`${path}: ${message}`);
    },
  };
  for (const file of files) {
    const dayStart = Date.parse(`${file.date}T00:00:00Z`);
    if (dayStart + DAY_MS <= from || dayStart >= to) continue;
    path = file.path;
    for await (const _ of readRecords(file.path, sink)) {
      if (rows.length > 0) {
        yield rows;
        rows = [];
      }
    }
  }
}

/**
 * Book rows and trade rows (each in time order) as one sequence in time order; at equal times
 * the book row first.
 */
export async function* interleaveRows(
  books: AsyncIterable<BookRow[]>,
  trades: AsyncIterable<TradeRow[]>,
): AsyncGenerator<ReplayRow[]> {
  const bookIt = books[Symbol.asyncIterator]();
  const tradeIt = trades[Symbol.asyncIterator]();
  let bookBuf: BookRow[] = [];
  let tradeBuf: TradeRow[] = [];
  let b = 0;
  let t = 0;
  let booksDone = false;
  let tradesDone = false;
  while (true) {
    if (b >= bookBuf.length && !booksDone) {
      const step = await bookIt.next();
      if (step.done) booksDone = true;
      else [bookBuf, b] = [step.value, 0];
      continue;
    }
    if (t >= tradeBuf.length && !tradesDone) {
      const step = await tradeIt.next();
      if (step.done) tradesDone = true;
      else [tradeBuf, t] = [step.value, 0];
      continue;
    }
    const out: ReplayRow[] = [];
    while (b < bookBuf.length && t < tradeBuf.length) {
      out.push(bookBuf[b]!.time <= tradeBuf[t]!.time ? bookBuf[b++]! : tradeBuf[t++]!);
    }
    if (b >= bookBuf.length && booksDone) { while (t < tradeBuf.length) out.push(tradeBuf[t++]!); }
    if (t >= tradeBuf.length && tradesDone) { while (b < bookBuf.length) out.push(bookBuf[b++]!); }
    if (out.length > 0) yield out;
    if (booksDone && tradesDone && b >= bookBuf.length && t >= tradeBuf.length) return;
  }
}
