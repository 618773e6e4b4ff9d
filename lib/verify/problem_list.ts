/**
 * The problems of one file's report, as every verifier records them: each one marks the file
 * damaged and counts; at most {@linkcode MAX_LISTED_PER_KIND} of a kind are listed. Also the
 * checks every kind of day file shares: the reader's gzip members and gzip damage, the line being
 * read (its number and member), a header on line 1, a header later in the file (a new process)
 * followed by a gap, and a file that holds no line.
 *
 * @module
 */
import type { FileReport, Problem, ProblemKind } from "./report.ts";

/** Problems listed per kind in a report; all are counted in `problemCount`. */
export const MAX_LISTED_PER_KIND = 100;

/** The problems of `report`. */
export class ProblemList {
  /** Byte offset of the gzip member holding the line being read. */
  memberStart = 0;
  readonly #report: FileReport;
  readonly #listed = new Map<ProblemKind, number>();
  /** Line of a header after line 1 not yet followed by a gap record. */
  #headerWithoutGap: number | null = null;

  /** Problems of `report` (which it updates). */
  constructor(report: FileReport) {
    this.#report = report;
  }

  /** Records a problem; the file is damaged. Returns it, or `undefined` when not listed. */
  add(p: Problem): Problem | undefined {
    this.#report.problemCount++;
    this.#report.status = "damaged";
    const listed = this.#listed.get(p.kind) ?? 0;
    this.#listed.set(p.kind, listed + 1);
    if (listed >= MAX_LISTED_PER_KIND) return undefined;
    this.#report.problems.push(p);
    return p;
  }

  /** A problem of `kind` at line `line`, in the member being read. */
  at(kind: ProblemKind, line: number, message: string, more: Partial<Problem> = {}) {
    return this.add({ kind, message, line, byte: this.memberStart, ...more });
  }

  /** Line `line` (a record of `type`, `undefined` for a bad line) from the member at `memberStart`. */
  begin(line: number, memberStart: number, type: string | undefined): void {
    this.memberStart = memberStart;
    this.#report.lines = line;
    if (line === 1 && type !== "header") this.at("header", 1, "First line is not a header");
    if (this.#headerWithoutGap !== null && type !== undefined && type !== "gap") {
      this.at(
        "header",
        this.#headerWithoutGap,
        "Header in the middle of the file (a new process) is not followed by a gap record",
      );
      this.#headerWithoutGap = null;
    }
  }

  /** A header at line `line`: after line 1 a gap record must follow it. */
  header(line: number): void {
    if (line !== 1) this.#headerWithoutGap = line;
  }

  /** A gap record: it follows a header as it should. */
  gap(): void {
    this.#headerWithoutGap = null;
  }

  /** The file ended: no line at all, or a header with nothing after it, is a problem. */
  finish(): void {
    if (this.#report.lines === 0 && this.#report.problemCount === 0) {
      this.add({ kind: "header", message: "File holds no lines: the header is missing" });
    }
    if (this.#headerWithoutGap !== null) {
      this.at("header", this.#headerWithoutGap, "Header at the end of the file");
    }
  }

  /** A complete gzip member ended at byte `end`. */
  member(end: number): void {
    this.#report.members++;
    this.#report.checkedBytes = end;
  }

  /** The gzip data is damaged at `offset`: the rest of the file cannot be read. */
  damage(message: string, offset: number): void {
    this.add({
      kind: "gzip",
      message: `${message}; everything before it was checked`,
      byte: offset,
    });
  }
}
