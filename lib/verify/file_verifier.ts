/**
 * The checks of one recording file over the one replay of Binance's rules
 * ({@linkcode RecordReplay}, `lib/recording/record_replay.ts`): the reader hands each line to the
 * verifier (a {@linkcode RecordSink}), which checks what only verify checks (the header, time
 * order, the file's UTC day, swapped lines) and passes the record on to the replay; the replay
 * says what happened (a {@linkcode ReplayListener}): discontinuities, duplicates, checkpoints,
 * events that cannot be applied, in-sync stretches for coverage. See `docs/FORMAT.md`, "What
 * verify checks".
 *
 * @module
 */
import { ProblemList } from "./problem_list.ts";
import { continues } from "../book/depth_sync.ts";
import type { NumericBook } from "../book/numeric_book.ts";
import type { GapRecord, HeaderRecord } from "../recording/records.ts";
import type { NumericEvent, RecordSink } from "../recording/record_reader.ts";
import type { ParsedRecord } from "../recording/record_parse.ts";
import {
  type DayLink,
  numericReplay,
  type RecordReplay,
  type ReplayEvent,
  type ReplayListener,
  type Synced,
  type SyncLoss,
} from "../recording/record_replay.ts";
import { SyncCoverage } from "./sync_coverage.ts";
import type { CrossChecker } from "./cross_check.ts";
import {
  emptyFileReport,
  type FileReport,
  iso,
  type MarkedGap,
  type Problem,
  type ProblemKind,
} from "./report.ts";

/** Milliseconds in a UTC day. */
export const DAY_MS = 86_400_000;

/** A header's string for a message: quoted, at most 40 characters of it. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** The replay verify runs over: numbers (the scanner's events fit it). */
export type VerifyReplay = RecordReplay<NumericEvent, NumericBook>;

/**
 * Checks one file: hand it every line (it is the reader's sink), then call `finish()`. Its replay
 * is started on the file by the constructor.
 */
export class FileVerifier implements RecordSink, ReplayListener<NumericEvent> {
  readonly report: FileReport;
  /** For a file that follows the day before (see the constructor): whether it continues it. */
  link: DayLink | null = null;
  readonly #replay: VerifyReplay;
  readonly #dayStart: number;
  readonly #dayEnd: number;
  readonly #problems: ProblemList;
  #lastE: number | null = null;
  #firstE: number | null = null;
  readonly #coverage: SyncCoverage;
  #crossed = false;
  readonly #cross: CrossChecker | null;
  #swapCandidate: { line: number; lastUpdateId: number; problem: Problem | undefined } | null =
    null;

  /**
   * A verifier of the file at `path`, expected to hold `symbol`'s records of UTC day `date`.
   * `replay` (a fresh one by default) carries the book from the file before; `follows`: this file
   * is the next day of the same directory, so its opening is checked against that book;
   * `crossCheck`: the book at every in-sync point is handed to it (`verify --cross-check`).
   */
  constructor(
    path: string,
    options: {
      symbol: string;
      date: string;
      bytes: number;
      replay?: VerifyReplay;
      follows?: boolean;
      crossCheck?: CrossChecker | null;
    },
  ) {
    this.#dayStart = Date.parse(`${options.date}T00:00:00Z`);
    this.#dayEnd = this.#dayStart + DAY_MS;
    this.#coverage = new SyncCoverage(this.#dayStart, this.#dayEnd);
    this.report = emptyFileReport(path, options);
    this.#problems = new ProblemList(this.report);
    this.#cross = options.crossCheck ?? null;
    this.#replay = options.replay ?? numericReplay();
    this.#replay.startFile(this, { follows: options.follows ?? false });
  }

  /** Records a problem (see {@linkcode ProblemList}); the file is damaged. */
  problem(p: Problem): Problem | undefined {
    return this.#problems.add(p);
  }

  // The reader's side (RecordSink).

  /** A gzip member ended at byte `end`. */
  member(end: number): void {
    this.#problems.member(end);
  }

  /** The gzip data is damaged at `offset`: the rest of the file cannot be read. */
  damage(message: string, offset: number): void {
    this.#problems.damage(message, offset);
  }

  /** Line `line` is not a record. */
  bad(message: string, line: number, memberStart: number): void {
    this.#begin(line, memberStart, undefined);
    this.#problem("bad-line", line, message);
  }

  /**
   * Takes the record of line `line`, from the member starting at byte `memberStart`. Never
   * throws: should checking it fail (a bug, not the file), the line is reported as damage and the
   * book is out of sync, so the rest of the file is still checked.
   */
  record(r: ParsedRecord, line: number, memberStart: number): void {
    try {
      this.#begin(line, memberStart, r.type);
      switch (r.type) {
        case "depthUpdate":
          this.#event(r, line);
          break;
        case "snapshot":
          this.report.snapshots[r.source]++;
          break;
        case "gap":
          return this.#gap(r, line);
        case "header":
          this.#header(r, line);
          break;
        case "unknown":
          this.report.unknownRecords++;
          break;
      }
      this.#replay.record(r, line);
    } catch (error) {
      this.#replay.fail(line, error);
    }
  }

  /** Takes line `line`, a `depthUpdate` the scanner read into numbers. Never throws (as `record`). */
  event(ev: NumericEvent, line: number, memberStart: number): void {
    try {
      this.#begin(line, memberStart, "depthUpdate");
      this.#event(ev, line);
      this.#replay.event(ev, line);
    } catch (error) {
      this.#replay.fail(line, error);
    }
  }

  /** Ends the file (call once, after the last line). */
  finish(): void {
    this.#problems.finish();
    this.#replay.endFile();
    this.#coverage.ended();
    const r = this.report;
    r.firstEventTime = iso(this.#firstE);
    r.lastEventTime = iso(this.#lastE);
    r.inSyncMs = this.#coverage.inSyncMs;
    r.coverage = r.inSyncMs / DAY_MS;
  }

  // The replay's side (ReplayListener).

  /** @internal */
  applied(ev: NumericEvent, line: number): void {
    this.report.applied++;
    this.#coverage.applied(ev.E);
    const book = this.#replay.book;
    const crossed = book.isCrossed();
    if (crossed && !this.#crossed) {
      this.#problem(
        "crossed",
        line,
        `Book is crossed after update id ${ev.u}: best bid ${book.bestBid()?.[0]} >= best ask ${
          book.bestAsk()?.[0]
        }`,
        this.#at(ev.E),
      );
    }
    this.#crossed = crossed;
    if (this.#cross !== null) this.#cross.point(book, line, this.#problems.memberStart, ev.E);
  }

  /** @internal */
  synced(synced: Synced): void {
    this.#crossed = false;
    this.#cross?.point(this.#replay.book, synced.line, this.#problems.memberStart, synced.time);
    if (synced.applied > 0) this.#coverage.started(synced.time);
  }

  /** @internal */
  checkpoint(_snapshot: unknown, difference: string | undefined, line: number): void {
    if (difference === undefined) this.report.checkpointsMatched++;
    else {
      this.#problem(
        "book-mismatch",
        line,
        `Book snapshot differs from the replayed book: ${difference}`,
      );
    }
  }

  /** @internal */
  duplicate(ev: ReplayEvent, lastUpdateId: number, line: number): void {
    this.#problem(
      "duplicate",
      line,
      `Duplicate or out-of-order event: u=${ev.u} but the book is already at ${lastUpdateId}`,
      this.#at(ev.E),
    );
  }

  /** @internal */
  lost(loss: SyncLoss): void {
    if (loss.lastUpdateId !== null) this.#coverage.ended();
    this.#crossed = false;
    switch (loss.cause) {
      case "invalid":
        this.#problem("bad-line", loss.line, `Event cannot be applied: ${loss.reason}`);
        return;
      case "error":
        this.#problem("bad-line", loss.line, `Line cannot be checked: ${loss.reason}`);
        return;
      case "discontinuity": {
        const { event: ev, lastUpdateId: id, line } = loss;
        const futures = this.#replay.market === "usdm";
        // Futures: the events after the book's id up to the one this one follows are missing.
        const end = futures ? ev.pu ?? ev.U - 1 : ev.U - 1;
        const missing: [number, number] | undefined = end > id ? [id + 1, end] : undefined;
        const what = missing
          ? `update ids ${missing[0]}–${missing[1]} are missing`
          : futures
          ? `event pu=${ev.pu} is before the book at ${id}`
          : `event U=${ev.U} overlaps the book at ${id}`;
        const expected = futures
          ? `expected pu=${id}, got pu=${ev.pu ?? "none"}`
          : `expected U=${id + 1}, got U=${ev.U}`;
        const problem = this.#problem(
          "discontinuity",
          line,
          `Unmarked discontinuity: ${what} (${expected}) and no gap record precedes it`,
          missing ? { ...this.#at(ev.E), missing } : this.#at(ev.E),
        );
        this.#swapCandidate = { line, lastUpdateId: id, problem };
        return;
      }
    }
  }

  /** @internal */
  dayLink(link: DayLink): void {
    this.link = link;
  }

  /** What every line checks first: the header comes first, a new process's header is followed by a gap. */
  #begin(line: number, memberStart: number, type: string | undefined): void {
    this.#problems.begin(line, memberStart, type);
  }

  #at(E: number): Partial<Problem> {
    const time = iso(E);
    return time === null ? {} : { time };
  }

  #problem(kind: ProblemKind, line: number, message: string, more: Partial<Problem> = {}) {
    return this.#problems.at(kind, line, message, more);
  }

  #header(h: HeaderRecord, line: number): void {
    const wrong: string[] = [];
    if (h.symbol !== this.report.symbol) wrong.push(`symbol ${quote(h.symbol)}`);
    if (h.date !== this.report.date) wrong.push(`date ${quote(h.date)}`);
    if (h.format !== 1) wrong.push(`format ${h.format}`);
    if (wrong.length > 0) {
      this.#problem(
        "header",
        line,
        `Header names ${
          wrong.join(", ")
        }, but the file is ${this.report.symbol} ${this.report.date} (format 1)`,
      );
    }
    this.#problems.header(line);
  }

  /** A gap record: sync is lost (by the replay), and the gap waits for the next sync. */
  #gap(g: GapRecord, line: number): void {
    this.#problems.gap();
    const fromMs = this.#replay.inSync ? this.#coverage.lastAppliedE : null;
    this.#replay.record(g, line);
    const gap: MarkedGap = {
      line,
      reason: g.reason,
      detail: g.detail ?? null,
      lastUpdateId: g.lastUpdateId,
      from: iso(fromMs),
      to: null,
      durationMs: null,
    };
    this.report.gaps.push(gap);
    this.#coverage.waitFor(gap, fromMs);
  }

  /** What verify checks of every event before the replay takes it: counts, time, swapped lines. */
  #event(ev: ReplayEvent, line: number): void {
    const r = this.report;
    r.events++;
    r.firstUpdateId ??= ev.U;
    r.lastUpdateId = ev.u;
    const E = ev.E;
    if (this.#firstE === null) this.#firstE = E;
    const outside = E < this.#dayStart || E >= this.#dayEnd;
    if (outside || (this.#lastE !== null && E < this.#lastE)) {
      const time = iso(E) ?? String(E);
      if (outside) {
        this.#problem("outside-day", line, `Event time ${time} is outside the file's day`, {
          time,
        });
      }
      if (this.#lastE !== null && E < this.#lastE) {
        this.#problem(
          "time-order",
          line,
          `Event time goes backwards: ${time} after ${iso(this.#lastE)}`,
          { time },
        );
      }
    }
    this.#lastE = E;
    const swap = this.#swapCandidate;
    this.#swapCandidate = null;
    if (
      swap !== null && !this.#replay.inSync && swap.problem &&
      continues(ev, swap.lastUpdateId, this.#replay.market)
    ) {
      swap.problem.kind = "swapped";
      swap.problem.message = `Lines ${swap.line} and ${line} are out of order (swapped?): ` +
        `update ids ${ev.U}–${ev.u} come after a later event`;
    }
  }
}
