/**
 * The human summary of a verify run: one block per file, a line per problem and marked gap, and a
 * last line with the totals.
 *
 * @module
 */
import type { FileReport, VerifyReport } from "./report.ts";

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function count(n: number, what: string): string {
  return `${n.toLocaleString("en-US")} ${what}${n === 1 ? "" : "s"}`;
}

/** The summary lines of one file. */
export function fileSummary(r: FileReport): string {
  const head = `${r.status === "whole" ? "ok     " : "DAMAGED"} ${r.path}`;
  const depth = r.stream === "depth";
  const facts = [
    depth ? mb(r.bytes) : `${r.stream}, ${mb(r.bytes)}`,
    count(r.events, depth ? "event" : r.stream),
    ...(depth ? [count(r.checkpointsMatched, "checkpoint") + " matched"] : []),
    `coverage ${(r.coverage * 100).toFixed(2)}% of the day`,
    count(r.gaps.length, "marked gap"),
  ];
  if (r.continuity) facts.push(`day before: ${r.continuity.status}`);
  if (r.manifest) facts.push(r.manifest.mismatches.length === 0 ? "manifest ok" : "manifest BAD");
  if (r.crossCheck) {
    facts.push(
      `cross-check: ${count(r.crossCheck.checked, "bookTicker")} checked, ` +
        `${r.crossCheck.disagreed.toLocaleString("en-US")} disagreed`,
    );
  }
  const out = [head, `        ${facts.join(", ")}`];
  for (const g of r.gaps) {
    const span = g.to === null
      ? "not resynced in this file"
      : `${g.from ?? "start"} → ${g.to}${g.durationMs === null ? "" : ` (${g.durationMs} ms)`}`;
    out.push(`        gap line ${g.line}: ${g.reason}${g.detail ? ` (${g.detail})` : ""}: ${span}`);
  }
  for (const p of r.problems) {
    const where = [
      p.line === undefined ? undefined : `line ${p.line}`,
      p.byte === undefined ? undefined : `byte ${p.byte}`,
      p.time,
    ].filter((x) => x !== undefined).join(", ");
    out.push(`        ${p.kind}${where ? ` [${where}]` : ""}: ${p.message}`);
  }
  if (r.problemCount > r.problems.length) {
    out.push(`        … and ${r.problemCount - r.problems.length} more problems`);
  }
  return out.join("\n");
}

/** The totals line of a run. */
export function totalsLine(report: VerifyReport, strict: boolean): string {
  const verdict = report.exitCode === 0
    ? "every file is whole"
    : strict && report.damaged === 0
    ? "marked gaps found (--strict)"
    : "damage found";
  const cross = report.crossCheck === undefined
    ? ""
    : `, cross-check: ${count(report.crossCheck.checked, "bookTicker")} checked, ${
      report.crossCheck.disagreed.toLocaleString("en-US")
    } disagreed`;
  return `${
    count(report.files.length, "file")
  }: ${report.whole} whole, ${report.damaged} damaged, ${
    count(report.gaps, "marked gap")
  }${cross}: ${verdict}`;
}
