/**
 * The checks of a trade, aggTrade or bookTicker day file (`docs/FORMAT.md`, "What verify checks",
 * other streams): the header, ids without unmarked holes and always increasing (`t` of a trade,
 * `a` of an aggTrade; a bookTicker's `u` never decreasing), trade times `T` in order and inside
 * the file's day (a bookTicker's `recv`), and the share of the day covered by continuous
 * stretches. It is the record reader's sink; what it carries from one day to the next
 * ({@linkcode StreamCarry}) lets a day be checked to continue the day before.
 *
 * @module
 */
import { ProblemList } from "./problem_list.ts";
import type { StreamKind } from "../binance/types.ts";
import type { ParsedRecord } from "../recording/record_parse.ts";
import type { RecordSink } from "../recording/record_reader.ts";
import type { GapRecord, HeaderRecord } from "../recording/records.ts";
import {
  type Continuity,
  emptyFileReport,
  type FileReport,
  iso,
  type MarkedGap,
  type Problem,
  type ProblemKind,
} from "./report.ts";
import { SyncCoverage } from "./sync_coverage.ts";

/** Milliseconds in a UTC day. */
const DAY_MS = 86_400_000;

/** The streams other than depth. */
export type OtherStream = Exclude<StreamKind, "depth">;

/** What a day file of a stream leaves the next day: the last id, and whether it was continuous. */
export interface StreamCarry {
  /** The last id of the file (`t`, `a` or `u`), `null` when it held none. */
  lastId: number | null;
  /** The file ended in a continuous stretch (no gap or new process after its last record). */
  continuous: boolean;
}

/** The id of a record of `kind` that continuity is checked on, or `null` for other records. */
function idOf(kind: OtherStream, r: ParsedRecord): number | null {
  if (r.type !== kind) return null;
  return r.type === "trade"
    ? r.t
    : r.type === "aggTrade"
    ? r.a
    : r.type === "bookTicker"
    ? r.u
    : null;
}

/** The time of a record of the stream: `T` of a trade or aggTrade, `recv` of a bookTicker. */
function timeOf(r: ParsedRecord): number {
  return r.type === "trade" || r.type === "aggTrade" ? r.T : (r as { recv: number }).recv;
}

/** Checks one day file of a stream other than depth: hand it every line, then call `finish()`. */
export class StreamVerifier implements RecordSink {
  readonly report: FileReport;
  readonly #kind: OtherStream;
  readonly #stream: string;
  readonly #dayStart: number;
  readonly #dayEnd: number;
  readonly #coverage: SyncCoverage;
  readonly #problems: ProblemList;
  readonly #previous: { path: string; carry: StreamCarry } | null;
  /** The last id seen (the highest), or `null`. */
  #lastId: number | null = null;
  /** Ids are expected to go on from `#lastId` (no gap or new process since). */
  #continuous = false;
  /** Still before the first record of the stream: the day before's link is decided there. */
  #opening = true;
  #lastTime: number | null = null;
  #firstTime: number | null = null;
  #swapCandidate: { line: number; expected: number; problem: Problem | undefined } | null = null;

  /**
   * A verifier of the file at `path`, expected to hold `symbol`'s `stream` records of UTC day
   * `date`. `previous`: the file of the day before of the same symbol and stream, and what it
   * left; this file is checked to continue it.
   */
  constructor(
    path: string,
    options: {
      symbol: string;
      date: string;
      bytes: number;
      stream: OtherStream;
      previous?: { path: string; carry: StreamCarry } | null;
    },
  ) {
    this.#kind = options.stream;
    this.#stream = `${options.symbol.toLowerCase()}@${options.stream}`;
    this.#dayStart = Date.parse(`${options.date}T00:00:00Z`);
    this.#dayEnd = this.#dayStart + DAY_MS;
    this.#coverage = new SyncCoverage(this.#dayStart, this.#dayEnd);
    this.report = emptyFileReport(path, options);
    this.#problems = new ProblemList(this.report);
    this.#previous = options.previous ?? null;
    const carry = this.#previous?.carry;
    if (carry !== undefined && carry.continuous && carry.lastId !== null) {
      this.#lastId = carry.lastId;
      this.#continuous = true;
    }
  }

  /** What this file leaves the next day (after `finish()`). */
  get carry(): StreamCarry {
    return { lastId: this.#lastId, continuous: this.#continuous };
  }

  /** Records a problem (see {@linkcode ProblemList}); the file is damaged. */
  problem(p: Problem): Problem | undefined {
    return this.#problems.add(p);
  }

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

  /** Takes the record of line `line`, from the member starting at byte `memberStart`. */
  record(r: ParsedRecord, line: number, memberStart: number): void {
    this.#begin(line, memberStart, r.type);
    switch (r.type) {
      case "header":
        return this.#header(r, line);
      case "gap":
        return this.#gap(r, line);
      case "clock":
        return;
      case "unknown":
        this.report.unknownRecords++;
        return;
    }
    const id = idOf(this.#kind, r);
    if (id === null) {
      this.#problem("bad-line", line, `A "${r.type}" record in a ${this.#kind} file`);
      return;
    }
    this.#take(r, id, line);
  }

  /** Ends the file (call once, after the last line). */
  finish(): void {
    this.#problems.finish();
    if (this.#opening) this.#link("not-claimed", "the file holds no record of its stream");
    this.#coverage.ended();
    const r = this.report;
    r.firstEventTime = iso(this.#firstTime);
    r.lastEventTime = iso(this.#lastTime);
    r.inSyncMs = this.#coverage.inSyncMs;
    r.coverage = r.inSyncMs / DAY_MS;
  }

  #begin(line: number, memberStart: number, type: string | undefined): void {
    this.#problems.begin(line, memberStart, type);
  }

  #problem(kind: ProblemKind, line: number, message: string, more: Partial<Problem> = {}) {
    return this.#problems.at(kind, line, message, more);
  }

  #header(h: HeaderRecord, line: number): void {
    const wrong: string[] = [];
    const r = this.report;
    if (h.symbol !== r.symbol) wrong.push(`symbol ${JSON.stringify(h.symbol)}`);
    if (h.date !== r.date) wrong.push(`date ${JSON.stringify(h.date)}`);
    if (h.format !== 1) wrong.push(`format ${h.format}`);
    if (h.stream !== this.#stream) wrong.push(`stream ${JSON.stringify(h.stream)}`);
    if (wrong.length > 0) {
      this.#problem(
        "header",
        line,
        `Header names ${wrong.join(", ")}, but the file is ${r.symbol} ${r.date} ` +
          `${this.#stream} (format 1)`,
      );
    }
    if (line === 1) return;
    this.#problems.header(line);
    this.#break();
  }

  /** A gap record: ids may jump after it; the stretch ends, the gap waits for the next record. */
  #gap(g: GapRecord, line: number): void {
    this.#problems.gap();
    const fromMs = this.#continuous ? this.#lastTime : null;
    if (this.#opening) this.#link("not-claimed", `the file opens with a ${g.reason} gap`);
    this.#break();
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

  /** Continuity is lost (a gap, a new process): the stretch ends. */
  #break(): void {
    if (this.#continuous) this.#coverage.ended();
    this.#continuous = false;
  }

  #link(status: Continuity["status"], detail: string): void {
    this.#opening = false;
    if (this.#previous !== null) {
      this.report.continuity = { previous: this.#previous.path, status, detail };
    }
  }

  /** A record of the stream with id `id`. */
  #take(r: ParsedRecord, id: number, line: number): void {
    const report = this.report;
    report.events++;
    report.firstUpdateId ??= id;
    report.lastUpdateId = id;
    const time = timeOf(r);
    this.#checkTime(time, line);
    const last = this.#lastId;
    const swap = this.#swapCandidate;
    this.#swapCandidate = null;
    const opening = this.#opening && this.#previous !== null;
    if (this.#opening) {
      this.#link(
        this.#continuous ? "continues" : "not-claimed",
        this.#continuous ? `continues at id ${last}` : "the day before ends in a gap",
      );
    }
    const at = iso(time);
    const where = at === null ? {} : { time: at };
    if (!this.#continuous || last === null) {
      // A new stretch: after a gap, a new process, or at the first record known.
      this.#lastId = last === null ? id : Math.max(last, id);
      this.#continuous = true;
      this.#coverage.started(time);
      report.applied++;
      return;
    }
    const what = this.#kind === "bookTicker"
      ? "update id u"
      : this.#kind === "trade"
      ? "trade id t"
      : "aggregate trade id a";
    if (this.#kind === "bookTicker") {
      if (id < last) {
        this.#problem("swapped", line, `bookTicker ${what}=${id} goes back after ${last}`, where);
      } else {
        this.#lastId = id;
        report.applied++;
        this.#coverage.applied(time);
      }
      return;
    }
    if (id === last + 1) {
      this.#lastId = id;
      report.applied++;
      this.#coverage.applied(time);
      return;
    }
    if (id > last + 1) {
      const missing: [number, number] = [last + 1, id - 1];
      const message = opening
        ? `Day does not continue ${this.#previous!.path}: ids ${missing[0]}–${
          missing[1]
        } are missing (it ends at ${last}, this file opens at ${what}=${id}) and no gap record precedes it`
        : `Unmarked discontinuity: ids ${missing[0]}–${missing[1]} are missing (expected ${what}=${
          last + 1
        }, got ${id}) and no gap record precedes it`;
      if (opening) {
        const continuity = this.report.continuity!;
        continuity.status = "broken";
        continuity.detail = `it opens at id ${id}, the day before ends at ${last} ` +
          `(ids ${missing[0]}–${missing[1]} are missing)`;
      }
      const problem = this.#problem(opening ? "continuity" : "discontinuity", line, message, {
        ...where,
        missing,
      });
      if (!opening) this.#swapCandidate = { line, expected: last + 1, problem };
      this.#lastId = id;
      report.applied++;
      this.#coverage.applied(time);
      return;
    }
    if (id === last) {
      this.#problem("duplicate", line, `Duplicate: ${what}=${id} again`, where);
      return;
    }
    if (swap !== null && swap.problem && id === swap.expected && swap.problem.missing?.[1] === id) {
      swap.problem.kind = "swapped";
      swap.problem.message = `Lines ${swap.line} and ${line} are out of order (swapped?): ` +
        `${what}=${id} comes after ${last}`;
      delete swap.problem.missing;
      return;
    }
    this.#problem("swapped", line, `Out of order: ${what}=${id} comes after ${last}`, where);
  }

  #checkTime(time: number, line: number): void {
    if (this.#firstTime === null) this.#firstTime = time;
    const name = this.#kind === "bookTicker" ? "Receive time" : "Trade time";
    const text = iso(time) ?? String(time);
    if (time < this.#dayStart || time >= this.#dayEnd) {
      this.#problem("outside-day", line, `${name} ${text} is outside the file's day`, {
        time: text,
      });
    }
    const last = this.#lastTime;
    if (this.#kind !== "bookTicker" && last !== null && time < last) {
      this.#problem("time-order", line, `Trade time goes backwards: ${text} after ${iso(last)}`, {
        time: text,
      });
    }
    this.#lastTime = time;
  }
}
