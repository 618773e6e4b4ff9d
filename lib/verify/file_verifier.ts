/**
 * The checks of one recording file, fed line by line in file order: Binance's replay rules
 * (through {@linkcode DepthSync}, the same state machine the collector uses), `book` checkpoints,
 * time order, the file's UTC day, the header, and coverage. See `docs/FORMAT.md`, "What verify
 * checks".
 *
 * @module
 */
import { DepthSync } from "../book/depth_sync.ts";
import {
  NumericBook,
  numericDifference,
  type NumericSnapshot,
  type NumericUpdate,
  numericUpdate,
} from "../book/numeric_book.ts";
import type {
  DepthUpdateRecord,
  GapRecord,
  HeaderRecord,
  SnapshotRecord,
} from "../recording/records.ts";
import type { ParsedLine } from "../recording/record_lines.ts";
import { levelsProblem } from "../recording/record_parse.ts";
import { SyncCoverage } from "./sync_coverage.ts";
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
/** At most this many problems of one kind are listed per file (all are counted). */
export const MAX_LISTED_PER_KIND = 100;

/** A diff event as verify replays it: times and ids, levels as numbers. */
export interface VerifyEvent extends NumericUpdate {
  /** Event time, epoch ms. */
  E: number;
  /** Why the event's levels cannot be applied (a price or quantity that is not a number). */
  invalid?: string;
}

const NO_LEVELS = new Float64Array(0);

/** A header's string for a message: quoted, at most 40 characters of it. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** Checks one file; call {@linkcode FileVerifier.line} for every line, then `finish()`. */
export class FileVerifier {
  readonly report: FileReport;
  /** The first `book` snapshot, when it comes right after the opening header; else `null`. */
  opening: SnapshotRecord | null = null;
  readonly #sync = new DepthSync<VerifyEvent, NumericBook>({ book: new NumericBook() });
  readonly #dayStart: number;
  readonly #dayEnd: number;
  readonly #listed = new Map<ProblemKind, number>();
  #member = 0;
  #openingPossible = true;
  #headerWithoutGap: number | null = null;
  #lastE: number | null = null;
  #firstE: number | null = null;
  #lastBufferedE: number | null = null;
  readonly #coverage: SyncCoverage;
  #crossed = false;
  #swapCandidate: { line: number; expected: number; problem: Problem | undefined } | null = null;

  /** A verifier of the file at `path`, expected to hold `symbol`'s records of UTC day `date`. */
  constructor(path: string, options: { symbol: string; date: string; bytes: number }) {
    this.#dayStart = Date.parse(`${options.date}T00:00:00Z`);
    this.#dayEnd = this.#dayStart + DAY_MS;
    this.#coverage = new SyncCoverage(this.#dayStart, this.#dayEnd);
    this.report = emptyFileReport(path, options);
  }

  /** Records a problem (listed up to {@linkcode MAX_LISTED_PER_KIND} per kind); the file is damaged. */
  problem(p: Problem): Problem | undefined {
    this.report.problemCount++;
    this.report.status = "damaged";
    const listed = this.#listed.get(p.kind) ?? 0;
    this.#listed.set(p.kind, listed + 1);
    if (listed >= MAX_LISTED_PER_KIND) return undefined;
    this.report.problems.push(p);
    return p;
  }

  /** A gzip member ended at byte `end`. */
  member(end: number): void {
    this.report.members++;
    this.report.checkedBytes = end;
  }

  /**
   * Takes one line from the member starting at byte `memberStart`. Never throws: a line that
   * cannot be checked is damage (see {@linkcode FileVerifier.event}).
   */
  line(item: ParsedLine, memberStart: number): void {
    try {
      this.#line(item, memberStart);
    } catch (error) {
      this.#uncheckable(error, item.line);
    }
  }

  /**
   * Takes line `line`, a `depthUpdate` already read into numbers (see `depth_scanner.ts`). Never
   * throws: should checking the line fail (a bug, not the file), the line is reported as damage
   * and the book is out of sync, so the rest of the file is still checked.
   */
  event(ev: VerifyEvent, line: number, memberStart: number): void {
    try {
      this.#begin(line, memberStart, "depthUpdate");
      this.#event(ev, line);
    } catch (error) {
      this.#uncheckable(error, line);
    }
  }

  #line(item: ParsedLine, memberStart: number): void {
    const record = item.record;
    this.#begin(item.line, memberStart, record?.type);
    if (item.error !== undefined) {
      this.#problem("bad-line", item.line, item.error);
      return;
    }
    switch (record!.type) {
      case "depthUpdate": {
        const r = record as DepthUpdateRecord;
        const invalid = levelsProblem(r.b) ?? levelsProblem(r.a);
        // Still an event (counted, its time checked) when its levels cannot be applied.
        const ev: VerifyEvent = invalid === undefined
          ? { E: r.E, ...numericUpdate(r) }
          : { E: r.E, U: r.U, u: r.u, levels: NO_LEVELS, start: 0, bids: 0, asks: 0, invalid };
        return this.#event(ev, item.line);
      }
      case "snapshot":
        return this.#snapshot(record as SnapshotRecord, item.line);
      case "gap":
        return this.#gap(record as GapRecord, item.line);
      case "header":
        return this.#header(record as HeaderRecord, item.line);
      case "unknown":
        this.report.unknownRecords++;
        return;
      default:
        return;
    }
  }

  /** A line whose check threw: damage, and the book (or the buffer) is lost with it. */
  #uncheckable(error: unknown, line: number): void {
    const why = error instanceof Error ? error.message : String(error);
    this.#problem("bad-line", line, `Line cannot be checked: ${why}`);
    this.#loseSync();
  }

  /** What every line checks first: the header comes first, a new process's header is followed by a gap. */
  #begin(line: number, memberStart: number, type: string | undefined): void {
    this.#member = memberStart;
    this.report.lines = line;
    if (line === 1 && type !== "header") {
      this.#openingPossible = false;
      this.#problem("header", 1, "First line is not a header");
    }
    if (this.#headerWithoutGap !== null && type !== undefined && type !== "gap") {
      this.#problem(
        "header",
        this.#headerWithoutGap,
        "Header in the middle of the file (a new process) is not followed by a gap record",
      );
      this.#headerWithoutGap = null;
    }
  }

  /** Ends the file (call once); returns the replayed book if it is in sync at the end, else `null`. */
  finish(): NumericSnapshot | null {
    if (this.report.lines === 0 && this.report.problemCount === 0) {
      this.problem({ kind: "header", message: "File holds no lines: the header is missing" });
    }
    if (this.#headerWithoutGap !== null) {
      this.#problem("header", this.#headerWithoutGap, "Header at the end of the file");
    }
    this.#coverage.ended();
    const r = this.report;
    r.firstEventTime = iso(this.#firstE);
    r.lastEventTime = iso(this.#lastE);
    r.inSyncMs = this.#coverage.inSyncMs;
    r.coverage = r.inSyncMs / DAY_MS;
    return this.#sync.inSync ? this.#sync.book.snapshot() : null;
  }

  #at(E: number): Partial<Problem> {
    const time = iso(E);
    return time === null ? {} : { time };
  }

  #problem(kind: ProblemKind, line: number, message: string, more: Partial<Problem> = {}) {
    return this.problem({ kind, message, line, byte: this.#member, ...more });
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
    if (line === 1) return;
    this.#openingPossible = false;
    this.#loseSync();
    this.#headerWithoutGap = line;
  }

  #gap(g: GapRecord, line: number): void {
    this.#openingPossible = false;
    this.#headerWithoutGap = null;
    const fromMs = this.#sync.inSync ? this.#coverage.lastAppliedE : null;
    this.#loseSync();
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

  #snapshot(s: SnapshotRecord, line: number): void {
    this.report.snapshots[s.source]++;
    const sync = this.#sync;
    if (this.#openingPossible && s.source === "book" && line === 2) this.opening = s;
    this.#openingPossible = false;
    if (sync.inSync) {
      if (s.source === "rest") return; // Only used to get in sync.
      const id = sync.book.lastUpdateId;
      const diff = s.lastUpdateId !== id
        ? `the snapshot is at update id ${s.lastUpdateId}, the replayed book at ${id}`
        : numericDifference(sync.book.snapshot(), s);
      if (diff === undefined) {
        this.report.checkpointsMatched++;
        // As after any snapshot, the next event may bridge the book rather than continue it
        // exactly: a collector switching to a connection that batches differently does this.
        sync.onEqualSnapshot();
      } else {
        this.#problem(
          "book-mismatch",
          line,
          `Book snapshot differs from the replayed book: ${diff}`,
        );
      }
      return;
    }
    const outcome = sync.onSnapshot(s);
    if (outcome.kind !== "synced") return;
    this.#crossed = false;
    if (outcome.applied > 0) this.#coverage.started(this.#lastBufferedE);
  }

  #event(ev: VerifyEvent, line: number): void {
    const r = this.report;
    this.#openingPossible = false;
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
    const sync = this.#sync;
    const swap = this.#swapCandidate;
    this.#swapCandidate = null;
    if (!sync.inSync) {
      if (swap !== null && ev.U === swap.expected && swap.problem !== undefined) {
        swap.problem.kind = "swapped";
        swap.problem.message = `Lines ${swap.line} and ${line} are out of order (swapped?): ` +
          `update ids ${ev.U}–${ev.u} come after a later event`;
      }
      if (ev.invalid !== undefined) return this.#invalid(ev.invalid, line);
      sync.onEvent(ev);
      this.#lastBufferedE = E;
      return;
    }
    const id = sync.book.lastUpdateId;
    if (ev.u <= id) {
      this.#problem(
        "duplicate",
        line,
        `Duplicate or out-of-order event: u=${ev.u} but the book is already at ${id}`,
        this.#at(E),
      );
      return;
    }
    if (ev.invalid !== undefined) return this.#invalid(ev.invalid, line);
    const outcome = sync.onEvent(ev);
    if (outcome.kind === "applied") {
      r.applied++;
      this.#coverage.applied(E);
      const crossed = sync.book.isCrossed();
      if (crossed && !this.#crossed) {
        const bid = sync.book.bestBid()?.[0];
        const ask = sync.book.bestAsk()?.[0];
        this.#problem(
          "crossed",
          line,
          `Book is crossed after update id ${ev.u}: best bid ${bid} >= best ask ${ask}`,
          this.#at(E),
        );
      }
      this.#crossed = crossed;
      return;
    }
    if (outcome.kind === "gap") {
      this.#coverage.ended();
      this.#lastBufferedE = E;
      const missing: [number, number] | undefined = ev.U > id + 1 ? [id + 1, ev.U - 1] : undefined;
      const what = missing
        ? `update ids ${missing[0]}–${missing[1]} are missing`
        : `event U=${ev.U} overlaps the book at ${id}`;
      const problem = this.#problem(
        "discontinuity",
        line,
        `Unmarked discontinuity: ${what} (expected U=${
          id + 1
        }, got U=${ev.U}) and no gap record precedes it`,
        missing ? { ...this.#at(E), missing } : this.#at(E),
      );
      this.#swapCandidate = { line, expected: id + 1, problem };
    }
  }

  /** An event that cannot be applied: the book (or the buffer) is lost with it. */
  #invalid(reason: string, line: number): void {
    this.#problem("bad-line", line, `Event cannot be applied: ${reason}`);
    this.#loseSync();
  }

  #loseSync(): void {
    if (this.#sync.inSync) this.#coverage.ended();
    this.#sync.desync();
    this.#crossed = false;
  }
}
