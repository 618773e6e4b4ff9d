/**
 * The records of a recording file, one JSON object a line, `type` first. `docs/FORMAT.md` is the
 * authoritative description; this module is its code. Readers skip types they do not know.
 *
 * @module
 */
import type { DepthSnapshot, DepthUpdate, PriceLevel } from "../binance/types.ts";

/** Version of the file format written into every header. */
export const FORMAT_VERSION = 1;

/** First line of every file, and again whenever a new process starts appending to it. */
export interface HeaderRecord {
  type: "header";
  format: typeof FORMAT_VERSION;
  exchange: "binance";
  market: "spot";
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

/** A full book: from the exchange (`rest`) or a copy of the in-sync local book (`book`). */
export interface SnapshotRecord {
  type: "snapshot";
  recv: number;
  lastUpdateId: number;
  bids: PriceLevel[];
  asks: PriceLevel[];
  source: "rest" | "book";
}

/** A diff event as the exchange sent it (decimal strings untouched). */
export interface DepthUpdateRecord {
  type: "depthUpdate";
  recv: number;
  E: number;
  U: number;
  u: number;
  b: PriceLevel[];
  a: PriceLevel[];
}

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
  | ClockRecord;

/** Local receive time as the files store it: UTC epoch ms with microsecond precision. */
export function receiveTime(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000) / 1000;
}

/** The record of a diff event, fields in the documented order. */
export function depthUpdateRecord(event: DepthUpdate, recv: number): DepthUpdateRecord {
  return { type: "depthUpdate", recv, E: event.E, U: event.U, u: event.u, b: event.b, a: event.a };
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

/** Path of a symbol's file for a day, relative to the data directory. */
export function recordingPath(symbol: string, day: string): string {
  return `${symbol}/${day}_dom.jsonl.gz`;
}

/** Path of a day file's manifest, relative to the data directory. */
export function manifestPath(symbol: string, day: string): string {
  return `${symbol}/${day}_dom.manifest.json`;
}
