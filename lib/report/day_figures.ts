/**
 * The figures of a day report (`collector report`): for every symbol whose book was recorded on
 * one UTC day, what `verify` finds in the depth file (status, coverage, gaps, checkpoints,
 * problems) and, from the events themselves, events per minute and the lag from exchange time `E`
 * to receipt, with its other streams' files (trades, bookTicker), sorted worst first. The summary
 * counts every file of the day.
 *
 * @module
 */
import { readRecords } from "../recording/record_reader.ts";
import { InputError } from "../util/errors.ts";
import { LatencyHistogram } from "../util/latency.ts";
import { findRecordings, type RecordingFile } from "../verify/find_recordings.ts";
import type { FileReport } from "../verify/report.ts";
import { verifyFiles } from "../verify/verify_files.ts";

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** A stretch of the day, epoch ms, and what the book was doing. */
export interface Stretch {
  from: number;
  to: number;
  state: "in-sync" | "gap";
  /** For a gap: its reason and detail, as recorded. */
  reason?: string;
}

/** One symbol's figures for the day. */
export interface SymbolFigures {
  symbol: string;
  path: string;
  status: FileReport["status"];
  /** Share of the UTC day in sync, 0..1. */
  coverage: number;
  bytes: number;
  events: number;
  gaps: { reason: string; detail: string | null; from: string | null; to: string | null }[];
  /** Problems `verify` found (at most the first 20), and how many in all. */
  problems: { kind: string; message: string; line?: number }[];
  problemCount: number;
  checkpointsMatched: number;
  checkpointsDiffering: number;
  /** Lag from `E` to receipt, ms; `null` without events. */
  lagP50Ms: number | null;
  lagP99Ms: number | null;
  /** Events in each minute of the day (1440 numbers, by `E`). */
  eventsPerMinute: number[];
  /** The day from 00:00 to 24:00 UTC: in sync, in a marked gap; the rest had no data. */
  timeline: Stretch[];
  /** The symbol's files of other streams that day (trades, bookTicker), as verify found them. */
  streams: { stream: string; status: FileReport["status"]; bytes: number; events: number }[];
}

/** The whole report. */
export interface DayFigures {
  date: string;
  /** When the report was made, ISO 8601. */
  generated: string;
  symbols: SymbolFigures[];
  summary: {
    symbols: number;
    /** Files of the day, every stream. */
    files: number;
    whole: number;
    damaged: number;
    gaps: number;
    /** Mean coverage over the symbols, 0..1. */
    coverage: number;
    bytes: number;
    events: number;
  };
}

/** Whether `date` is a real calendar day written `YYYY-MM-DD`. */
export function isDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const t = Date.parse(`${date}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === date;
}

/**
 * The figures of every symbol's `date` file under `dir`. Throws `InputError` when `dir` holds no
 * recording of that day.
 */
export async function dayFigures(
  dir: string,
  date: string,
  options: { now?: () => number } = {},
): Promise<DayFigures> {
  const files = (await findRecordings([dir])).filter((f) => f.date === date);
  if (!files.some((f) => f.stream === "depth")) {
    throw new InputError(`No recordings of ${date} under "${dir}"`);
  }
  const report = await verifyFiles(files);
  const symbols: SymbolFigures[] = [];
  for (const file of report.files) {
    if (file.stream !== "depth") continue;
    const recording = files.find((f) => f.path === file.path)!;
    const streams = report.files
      .filter((f) => f.stream !== "depth" && f.symbol === file.symbol)
      .map((f) => ({ stream: f.stream, status: f.status, bytes: f.bytes, events: f.events }));
    symbols.push({ ...fromVerify(file, date), ...await eventFigures(recording, date), streams });
  }
  symbols.sort(worstFirst);
  const sum = (f: (s: SymbolFigures) => number) => symbols.reduce((a, s) => a + f(s), 0);
  return {
    date,
    generated: new Date((options.now ?? Date.now)()).toISOString(),
    symbols,
    summary: {
      symbols: symbols.length,
      whole: report.whole,
      damaged: report.damaged,
      files: report.files.length,
      gaps: sum((s) => s.gaps.length),
      coverage: symbols.length === 0 ? 0 : sum((s) => s.coverage) / symbols.length,
      bytes: sum((s) => s.bytes),
      events: sum((s) => s.events),
    },
  };
}

/** Damaged first, then the least coverage, then the most gaps, then by name. */
function worstFirst(a: SymbolFigures, b: SymbolFigures): number {
  const damaged = (s: SymbolFigures) =>
    s.status === "damaged" || s.streams.some((x) => x.status === "damaged");
  if (damaged(a) !== damaged(b)) return damaged(a) ? -1 : 1;
  if (a.coverage !== b.coverage) return a.coverage - b.coverage;
  if (a.gaps.length !== b.gaps.length) return b.gaps.length - a.gaps.length;
  return a.symbol < b.symbol ? -1 : 1;
}

type VerifyPart = Omit<SymbolFigures, "lagP50Ms" | "lagP99Ms" | "eventsPerMinute" | "streams">;

function fromVerify(file: FileReport, date: string): VerifyPart {
  const day = Date.parse(`${date}T00:00:00Z`);
  return {
    symbol: file.symbol,
    path: file.path,
    status: file.status,
    coverage: file.coverage,
    bytes: file.bytes,
    events: file.events,
    gaps: file.gaps.map((g) => ({ reason: g.reason, detail: g.detail, from: g.from, to: g.to })),
    problems: file.problems.slice(0, 20).map((p) => ({
      kind: p.kind,
      message: p.message,
      ...(p.line === undefined ? {} : { line: p.line }),
    })),
    problemCount: file.problemCount,
    checkpointsMatched: file.checkpointsMatched,
    checkpointsDiffering: file.problems.filter((p) => p.kind === "book-mismatch").length,
    timeline: timeline(file, day),
  };
}

/**
 * The day's stretches: from the first to the last event, in sync except in the marked gaps (a gap
 * lasts from the last event before it to the first event applied after the next sync).
 */
function timeline(file: FileReport, day: number): Stretch[] {
  if (file.firstEventTime === null || file.lastEventTime === null) return [];
  const clamp = (t: number) => Math.min(day + DAY_MS, Math.max(day, t));
  const first = clamp(Date.parse(file.firstEventTime));
  const last = clamp(Date.parse(file.lastEventTime));
  const gaps = file.gaps
    .map((g) => ({
      from: clamp(g.from === null ? first : Date.parse(g.from)),
      to: clamp(g.to === null ? last : Date.parse(g.to)),
      reason: g.detail ? `${g.reason}: ${g.detail}` : g.reason,
    }))
    .sort((a, b) => a.from - b.from);
  const out: Stretch[] = [];
  let at = first;
  for (const g of gaps) {
    if (g.from > at) out.push({ from: at, to: g.from, state: "in-sync" });
    out.push({
      from: Math.max(g.from, at),
      to: Math.max(g.to, at),
      state: "gap",
      reason: g.reason,
    });
    at = Math.max(at, g.to);
  }
  if (last > at) out.push({ from: at, to: last, state: "in-sync" });
  return out;
}

/** Events per minute of `E` and the lag `recv - E`, from the file's event lines. */
async function eventFigures(
  file: RecordingFile,
  date: string,
): Promise<Pick<SymbolFigures, "lagP50Ms" | "lagP99Ms" | "eventsPerMinute">> {
  const day = Date.parse(`${date}T00:00:00Z`);
  const perMinute = new Array<number>(DAY_MS / MINUTE_MS).fill(0);
  const lag = new LatencyHistogram();
  const sink = {
    record(record: { type: string; E?: unknown; recv?: unknown }) {
      if (record.type !== "depthUpdate") return;
      const { E, recv } = record as { E: number; recv: number };
      const minute = Math.floor((E - day) / MINUTE_MS);
      if (minute >= 0 && minute < perMinute.length) perMinute[minute]!++;
      lag.record(recv - E);
    },
    bad() {}, // verify reports them
  };
  for await (const _ of readRecords(file.path, sink)) {
    // Each block of lines went to the sink.
  }
  const round = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
  return {
    lagP50Ms: round(lag.quantile(0.5)),
    lagP99Ms: round(lag.quantile(0.99)),
    eventsPerMinute: perMinute,
  };
}
