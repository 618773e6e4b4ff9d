/**
 * Verifies recording files: each file streamed through a {@linkcode FileVerifier}, then the
 * checks across files (a day continues the day before) and against manifests.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { DepthSnapshot } from "../binance/types.ts";
import { firstDifference } from "../book/order_book.ts";
import type { SnapshotRecord } from "../storage/records.ts";
import { FileVerifier } from "./file_verifier.ts";
import { isNextDay, type RecordingFile } from "./find_recordings.ts";
import { checkManifest } from "./manifest_check.ts";
import { parseLine, readRecordLines } from "./record_lines.ts";
import type { Continuity, FileReport, VerifyReport } from "./report.ts";

/** Options of {@linkcode verifyFiles}. */
export interface VerifyOptions {
  /** Marked gaps make a file fail too. */
  strict?: boolean;
  /** Called with the number of compressed bytes read, as reading progresses. */
  onProgress?: (bytes: number) => void;
  /** Called with each file's report as soon as it is complete. */
  onFile?: (report: FileReport) => void;
}

/** What a file leaves for the next day's check. */
interface DayEnd {
  report: FileReport;
  file: RecordingFile;
  final: DepthSnapshot | null;
}

/** Verifies one file; returns its report, its opening `book` snapshot and its final book. */
export async function verifyFile(
  file: RecordingFile,
  options: { onProgress?: (bytes: number) => void } = {},
): Promise<{ report: FileReport; opening: SnapshotRecord | null; final: DepthSnapshot | null }> {
  const verifier = new FileVerifier(file.path, file);
  const manifestPath = file.path.replace(/\.jsonl\.gz$/, ".manifest.json");
  const hasManifest = await Deno.stat(manifestPath).then(() => true, () => false);
  const hash = hasManifest ? createHash("sha256") : null;
  const onProgress = options.onProgress;
  const onRead = hash || onProgress
    ? (bytes: Uint8Array) => {
      hash?.update(bytes);
      onProgress?.(bytes.length);
    }
    : undefined;
  for await (const batch of readRecordLines(file.path, onRead ? { onRead } : {})) {
    if (batch.kind === "damage") {
      verifier.problem({
        kind: "gzip",
        message: `${batch.message}; everything before it was checked`,
        byte: batch.offset,
      });
      break;
    }
    if (batch.kind === "member") {
      verifier.member(batch.end);
      continue;
    }
    for (let i = 0; i < batch.lines.length; i++) {
      verifier.line(parseLine(batch, i), batch.memberStart);
    }
  }
  const final = verifier.finish();
  const report = verifier.report;
  if (hash) {
    report.manifest = await checkManifest(manifestPath, report, hash.digest("hex"));
    for (const mismatch of report.manifest.mismatches) {
      verifier.problem({ kind: "manifest", message: `Manifest disagrees: ${mismatch}` });
    }
    verifier.finish();
  }
  return { report, opening: verifier.opening, final };
}

function continuity(
  prev: DayEnd,
  opening: SnapshotRecord | null,
): { continuity: Continuity; broken: string | undefined } {
  const previous = prev.file.path;
  if (prev.final === null) {
    return {
      continuity: { previous, status: "not-claimed", detail: "the day before ends out of sync" },
      broken: undefined,
    };
  }
  if (opening === null) {
    return {
      continuity: {
        previous,
        status: "not-claimed",
        detail: "the file does not open with a book snapshot",
      },
      broken: undefined,
    };
  }
  const endId = prev.final.lastUpdateId;
  let diff: string | undefined;
  if (opening.lastUpdateId !== endId) {
    diff = `it opens at update id ${opening.lastUpdateId}, the day before ends at ${endId}` +
      (opening.lastUpdateId > endId
        ? ` (update ids ${endId + 1}–${opening.lastUpdateId} are missing)`
        : "");
  } else {
    const d = firstDifference(prev.final, opening);
    if (d !== undefined) diff = `its opening book differs from the day before's final book: ${d}`;
  }
  if (diff === undefined) {
    return {
      continuity: { previous, status: "continues", detail: `continues at update id ${endId}` },
      broken: undefined,
    };
  }
  return { continuity: { previous, status: "broken", detail: diff }, broken: diff };
}

/** Verifies `files` (as {@linkcode findRecordings} orders them) and the links between days. */
export async function verifyFiles(
  files: readonly RecordingFile[],
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const reports: FileReport[] = [];
  let prev: DayEnd | null = null;
  for (const file of files) {
    const { report, opening, final } = await verifyFile(
      file,
      options.onProgress ? { onProgress: options.onProgress } : {},
    );
    if (prev !== null && prev.file.dir === file.dir && isNextDay(prev.file.date, file.date)) {
      const link = continuity(prev, opening);
      report.continuity = link.continuity;
      if (link.broken !== undefined) {
        report.problemCount++;
        report.problems.push({
          kind: "continuity",
          message: `Day does not continue ${prev.file.path}: ${link.broken}`,
          line: 2,
        });
        report.status = "damaged";
      }
    }
    prev = { report, file, final };
    reports.push(report);
    options.onFile?.(report);
  }
  const damaged = reports.filter((r) => r.status === "damaged").length;
  const gaps = reports.reduce((n, r) => n + r.gaps.length, 0);
  const failed = damaged > 0 || (options.strict === true && gaps > 0);
  return {
    files: reports,
    whole: reports.length - damaged,
    damaged,
    gaps,
    exitCode: failed ? 1 : 0,
  };
}
