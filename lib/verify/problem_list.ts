/**
 * The problems of one file's report, as every verifier records them: each one marks the file
 * damaged and counts; at most {@linkcode MAX_LISTED_PER_KIND} of a kind are listed. Also where a
 * verifier notes the reader's gzip members and gzip damage.
 *
 * @module
 */
import type { FileReport, Problem, ProblemKind } from "./report.ts";

/** Problems listed per kind in a report; all are counted in `problemCount`. */
export const MAX_LISTED_PER_KIND = 100;

/** The problems of `report`. */
export class ProblemList {
  readonly #report: FileReport;
  readonly #listed = new Map<ProblemKind, number>();

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
