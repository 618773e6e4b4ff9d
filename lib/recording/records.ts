/**
 * The records of a recording file, one JSON object a line, `type` first. `docs/FORMAT.md` is the
 * authoritative description; this module is its code. Readers skip types they do not know.
 *
 * @module
 */
import type {
  AggTrade,
  BookTicker,
  DepthSnapshot,
  DepthUpdate,
  Market,
  PriceLevel,
  StreamKind,
  Trade,
} from "../binance/types.ts";

/** Version of the file format written into every header. */
export const FORMAT_VERSION = 1;

/** First line of every file, and again whenever a new process starts appending to it. */
export interface HeaderRecord {
  type: "header";
  format: typeof FORMAT_VERSION;
  exchange: "binance";
  /** Binance spot, or USDⓈ-M futures (whose depth events carry `pu`; replayed by its rules). */
  market: Market;
  /** Upper-case symbol, e.g. `"BTCUSDT"`. */
  symbol: string;
  /** The file's UTC day, `YYYY-MM-DD`. */
  date: string;
  /** Version of the collector that wrote what follows. */
  collector: string;
  /** Local time the header was written, epoch ms. */
  recv: number;
  /** Stream the events come from, e.g. `"btcusdt@depth@100ms"`. */
  stream: string;
}

/**
 * A full book: from the exchange (`rest`) or a copy of the in-sync local book (`book`). A futures
 * `rest` snapshot keeps the exchange's `E` and `T`.
 */
export interface SnapshotRecord {
  type: "snapshot";
  recv: number;
  lastUpdateId: number;
  /** Futures `rest` snapshots: message output time, epoch ms. */
  E?: number;
  /** Futures `rest` snapshots: transaction time, epoch ms. */
  T?: number;
  bids: PriceLevel[];
  asks: PriceLevel[];
  source: "rest" | "book";
}

/**
 * A diff event as the exchange sent it (decimal strings untouched): `type, recv, E, U, u, b, a`;
 * a futures event `type, recv, E, T, U, u, pu, b, a`.
 */
export interface DepthUpdateRecord {
  type: "depthUpdate";
  recv: number;
  E: number;
  /** Futures: transaction time, epoch ms. */
  T?: number;
  U: number;
  u: number;
  /** Futures: `u` of the previous event, untouched (continuity is `pu == previous u`). */
  pu?: number;
  b: PriceLevel[];
  a: PriceLevel[];
}

/**
 * A trade as the exchange sent it, without `e` and `s`: every other field in the order sent,
 * values untouched (`t`, `p`, `q`, `T`, `m`, … as in {@linkcode Trade}).
 */
export type TradeRecord = { type: "trade"; recv: number } & Omit<Trade, "e" | "s">;

/** An aggregate trade as the exchange sent it, without `e` and `s` (see {@linkcode AggTrade}). */
export type AggTradeRecord = { type: "aggTrade"; recv: number } & Omit<AggTrade, "e" | "s">;

/** The exchange's best bid and ask as sent, without `s`: `u`, `b`, `B`, `a`, `A`. */
export type BookTickerRecord = { type: "bookTicker"; recv: number } & Omit<BookTicker, "s">;

/** Why continuity was lost; see `docs/FORMAT.md`. */
export type GapReason =
  | "start"
  | "restart"
  | "crash"
  | "disconnect"
  | "sequence"
  | "overflow"
  | "write-error";

/** Continuity is lost from here; events count again from the next snapshot. */
export interface GapRecord {
  type: "gap";
  recv: number;
  /** Last update id known good, or `null` when none is known. */
  lastUpdateId: number | null;
  reason: GapReason;
  /** Human-readable detail, e.g. `"expected U=51 got U=53"`. */
  detail?: string;
}

/** A measurement of the local clock against the exchange's (`GET /api/v3/time`). */
export interface ClockRecord {
  type: "clock";
  recv: number;
  /** Exchange time, epoch ms. */
  serverTime: number;
  /** Exchange time minus local time at the middle of the round trip, ms. */
  offsetMs: number;
  /** Round trip of the request, ms. */
  rttMs: number;
}

/** Every record type this version writes. */
export type RecordingRecord =
  | HeaderRecord
  | SnapshotRecord
  | DepthUpdateRecord
  | GapRecord
  | ClockRecord
  | TradeRecord
  | AggTradeRecord
  | BookTickerRecord;

/** Local receive time as the files store it: UTC epoch ms with microsecond precision. */
export function receiveTime(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000) / 1000;
}

/** The record of a diff event, fields in the documented order (futures: with `T` and `pu`). */
export function depthUpdateRecord(event: DepthUpdate, recv: number): DepthUpdateRecord {
  const { E, T, U, u, pu, b, a } = event;
  if (T === undefined && pu === undefined) return { type: "depthUpdate", recv, E, U, u, b, a };
  return {
    type: "depthUpdate",
    recv,
    E,
    ...(T !== undefined ? { T } : {}),
    U,
    u,
    ...(pu !== undefined ? { pu } : {}),
    b,
    a,
  };
}

/** `{type, recv, …}` then every field of `event` but `skip`, in the order sent. */
function eventRecord<R>(type: string, recv: number, event: object, skip: readonly string[]): R {
  const out: Record<string, unknown> = { type, recv };
  for (const [key, value] of Object.entries(event)) if (!skip.includes(key)) out[key] = value;
  return out as R;
}

const TRADE_SKIPPED = ["e", "s", "type", "recv"] as const;

/** The record of a trade: every field but `e` and `s`, in the order sent. */
export function tradeRecord(event: Trade, recv: number): TradeRecord {
  return eventRecord("trade", recv, event, TRADE_SKIPPED);
}

/** The record of an aggregate trade: every field but `e` and `s`, in the order sent. */
export function aggTradeRecord(event: AggTrade, recv: number): AggTradeRecord {
  return eventRecord("aggTrade", recv, event, TRADE_SKIPPED);
}

/** The record of a bookTicker: every field but `s` (and `e`, which futures send), in order. */
export function bookTickerRecord(event: BookTicker, recv: number): BookTickerRecord {
  return eventRecord("bookTicker", recv, event, TRADE_SKIPPED);
}

/**
 * The time that decides a record's day: `E` of a `depthUpdate`, `T` (trade time) of a `trade` or
 * `aggTrade`, `recv` of a `bookTicker` (spot sends it no time); `null` for the others (they go to
 * the file being written, or by `recv` when there is none).
 */
export function recordDayTime(record: RecordingRecord): number | null {
  switch (record.type) {
    case "depthUpdate":
      return record.E;
    case "trade":
    case "aggTrade":
      return record.T;
    case "bookTicker":
      return record.recv;
    default:
      return null;
  }
}

/**
 * The id a record makes the last one known of its stream (a gap's `lastUpdateId`): `u` of a
 * `depthUpdate` or `bookTicker`, `t` of a trade, `a` of an aggTrade, a snapshot's `lastUpdateId`.
 */
export function recordLastId(record: RecordingRecord): number | null {
  switch (record.type) {
    case "depthUpdate":
    case "bookTicker":
      return record.u;
    case "trade":
      return record.t;
    case "aggTrade":
      return record.a;
    case "snapshot":
      return record.lastUpdateId;
    default:
      return null;
  }
}

/** The record of a full book, fields in the documented order. */
export function snapshotRecord(
  book: DepthSnapshot,
  recv: number,
  source: SnapshotRecord["source"],
): SnapshotRecord {
  return {
    type: "snapshot",
    recv,
    lastUpdateId: book.lastUpdateId,
    ...(book.E !== undefined ? { E: book.E } : {}),
    ...(book.T !== undefined ? { T: book.T } : {}),
    bids: book.bids,
    asks: book.asks,
    source,
  };
}

/** One record as one line of JSON (no newline). */
export function serializeRecord(record: RecordingRecord): string {
  return JSON.stringify(record);
}

/** The UTC day (`YYYY-MM-DD`) of an epoch-ms time. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/**
 * The part of a file name after the day that names its stream: `dom` for depth, else the kind
 * (`trade`, `aggTrade`, `bookTicker`).
 */
export function fileStreamTag(kind: StreamKind): string {
  return kind === "depth" ? "dom" : kind;
}

/** The kind of stream a file's tag names (`dom` → `depth`), or `null` for an unknown tag. */
export function streamKindOfTag(tag: string): StreamKind | null {
  if (tag === "dom") return "depth";
  return tag === "trade" || tag === "aggTrade" || tag === "bookTicker" ? tag : null;
}

/** File name of a day file: `2025-06-25_dom.jsonl.gz`, `2025-06-25_trade.jsonl.gz`, … */
export const DAY_FILE_NAME = /^(\d{4}-\d{2}-\d{2})_(dom|trade|aggTrade|bookTicker)\.jsonl\.gz$/;

/** A market's folder in the data directory: `""` for spot (files stay at the top), `usdm/`. */
export function marketFolder(market: Market = "spot"): string {
  return market === "spot" ? "" : `${market}/`;
}

/**
 * Path of a symbol's file of a stream for a day, relative to the data directory: spot
 * `BTCUSDT/…`, futures `usdm/BTCUSDT/…`.
 */
export function recordingPath(
  symbol: string,
  day: string,
  kind: StreamKind = "depth",
  market: Market = "spot",
): string {
  return `${marketFolder(market)}${symbol}/${day}_${fileStreamTag(kind)}.jsonl.gz`;
}

/** Path of a day file's manifest, relative to the data directory (see `recordingPath`). */
export function manifestPath(
  symbol: string,
  day: string,
  kind: StreamKind = "depth",
  market: Market = "spot",
): string {
  return `${marketFolder(market)}${symbol}/${day}_${fileStreamTag(kind)}.manifest.json`;
}
