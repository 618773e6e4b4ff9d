/**
 * What `collector verify` finds in a file: the JSON shape of `--json` (documented in
 * `docs/FORMAT.md`, "What verify checks").
 *
 * @module
 */
import type { StreamKind } from "../binance/types.ts";

/** Kinds of problem; every one makes the file fail. */
export type ProblemKind =
  | "gzip"
  | "header"
  | "bad-line"
  | "discontinuity"
  | "swapped"
  | "duplicate"
  | "book-mismatch"
  | "crossed"
  | "time-order"
  | "outside-day"
  | "continuity"
  | "manifest"
  | "cross-check";

/** One problem, located by line (1-based), byte offset of the gzip member, and event time. */
export interface Problem {
  kind: ProblemKind;
  message: string;
  line?: number;
  /** Byte offset in the compressed file: the damage, or the start of the line's gzip member. */
  byte?: number;
  /** Exchange event time `E` of the event concerned, ISO 8601. */
  time?: string;
  /** Update ids (trade ids in a trade file…) missing, inclusive, for a discontinuity. */
  missing?: [number, number];
}

/** A `gap` record and how long the book stayed out of sync after it. */
export interface MarkedGap {
  line: number;
  reason: string;
  detail: string | null;
  lastUpdateId: number | null;
  /** `E` of the last event applied before the gap (ISO), or `null` when none. */
  from: string | null;
  /** `E` of the first event applied after the next sync (ISO), or `null` if it never resynced. */
  to: string | null;
  /** `to - from` in ms when both are known. */
  durationMs: number | null;
}

/** Result of comparing a file with its manifest. */
export interface ManifestCheck {
  path: string;
  /** Fields whose value differs, e.g. `sha256: manifest abc… vs file def…`. */
  mismatches: string[];
}

/** Whether a day file continues the previous day's file of the same symbol. */
export interface Continuity {
  previous: string;
  /** `continues`: same update id and equal books; `not-claimed`: a gap or no book at either end. */
  status: "continues" | "broken" | "not-claimed";
  detail: string;
}

/** `verify --cross-check`: the exchange's bookTickers compared with a depth file's book. */
export interface CrossCheck {
  /** The bookTicker file of the same symbol and day. */
  bookTicker: string;
  /** bookTickers whose `u` was the book's update id at a point of this file: compared. */
  checked: number;
  /** Those whose best bid or ask (price or quantity) differed from the replayed book's. */
  disagreed: number;
}

/** Everything verify reports about one file. */
export interface FileReport {
  path: string;
  symbol: string;
  date: string;
  /** The stream the file holds. */
  stream: StreamKind;
  /** `whole`: no problem (marked gaps allowed); `damaged`: at least one problem. */
  status: "whole" | "damaged";
  bytes: number;
  /** Bytes of complete, checked gzip members. */
  checkedBytes: number;
  members: number;
  lines: number;
  events: number;
  /** Events applied to an in-sync book. */
  applied: number;
  snapshots: { rest: number; book: number };
  /** `book` snapshots compared with the replayed book and found equal. */
  checkpointsMatched: number;
  firstUpdateId: number | null;
  lastUpdateId: number | null;
  firstEventTime: string | null;
  lastEventTime: string | null;
  /** Milliseconds of the UTC day during which the book was in sync (see FORMAT.md). */
  inSyncMs: number;
  /** `inSyncMs / 86 400 000`. */
  coverage: number;
  gaps: MarkedGap[];
  problems: Problem[];
  /** All problems found, including those left out of `problems` (at most 100 per kind). */
  problemCount: number;
  /** Records of types this version does not know (skipped, not a problem). */
  unknownRecords: number;
  continuity: Continuity | null;
  manifest: ManifestCheck | null;
  /** With `--cross-check`, for a depth file with a bookTicker file beside it. */
  crossCheck: CrossCheck | null;
}

/** Everything verify reports about a run. */
export interface VerifyReport {
  files: FileReport[];
  /** Files with no problem. */
  whole: number;
  damaged: number;
  /** Marked gaps across all files. */
  gaps: number;
  /** With `--cross-check`: bookTickers compared across all files, and those that disagreed. */
  crossCheck?: { checked: number; disagreed: number };
  /** Process exit code: 0 all whole (marked gaps fail too with `--strict`), 1 otherwise. */
  exitCode: number;
}

/** An epoch-ms time as ISO 8601, or `null`. */
export function iso(ms: number | null): string | null {
  if (ms === null || !Number.isFinite(ms)) return null;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The report of a file not read yet: whole, every count 0. */
export function emptyFileReport(
  path: string,
  options: { symbol: string; date: string; bytes: number; stream?: StreamKind },
): FileReport {
  return {
    path,
    symbol: options.symbol,
    date: options.date,
    stream: options.stream ?? "depth",
    status: "whole",
    bytes: options.bytes,
    checkedBytes: 0,
    members: 0,
    lines: 0,
    events: 0,
    applied: 0,
    snapshots: { rest: 0, book: 0 },
    checkpointsMatched: 0,
    firstUpdateId: null,
    lastUpdateId: null,
    firstEventTime: null,
    lastEventTime: null,
    inSyncMs: 0,
    coverage: 0,
    gaps: [],
    problems: [],
    problemCount: 0,
    unknownRecords: 0,
    continuity: null,
    manifest: null,
    crossCheck: null,
  };
}
