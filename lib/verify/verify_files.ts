/**
 * Verifies recording files: each file read by the one record reader (the WebAssembly scanner on)
 * into a {@linkcode FileVerifier}, one replay carried from file to file so that a day is checked
 * to continue the day before, then the manifest beside it.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { readRecords } from "../recording/record_reader.ts";
import { FileVerifier, type VerifyReplay } from "./file_verifier.ts";
import { followsDay, type RecordingFile } from "./find_recordings.ts";
import { checkManifest } from "./manifest_check.ts";
import type { FileReport, VerifyReport } from "./report.ts";
import { numericReplay } from "../recording/record_replay.ts";

/** Options of {@linkcode verifyFiles}. */
export interface VerifyOptions {
  /** Marked gaps make a file fail too. */
  strict?: boolean;
  /**
   * Read event lines in the collector's shape with the WebAssembly scanner (default `true`);
   * `false` parses every line as JSON. The report is the same (`tests/verify_paths_test.ts`).
   */
  scanner?: boolean;
  /** Called with the number of compressed bytes read, as reading progresses. */
  onProgress?: (bytes: number) => void;
  /** Called with each file's report as soon as it is complete. */
  onFile?: (report: FileReport) => void;
}

/** Options of {@linkcode verifyFile}. */
export interface VerifyFileOptions {
  /** The replay carrying the book from the file before (default: a fresh one). */
  replay?: VerifyReplay;
  /** The file before, when the replay comes from it: the next day checks that it continues it. */
  previous?: RecordingFile | null;
  /** See {@linkcode VerifyOptions}. */
  scanner?: boolean;
  onProgress?: (bytes: number) => void;
}

/** Verifies one file; returns its report. */
export async function verifyFile(
  file: RecordingFile,
  options: VerifyFileOptions = {},
): Promise<FileReport> {
  const previous = options.previous ?? null;
  const verifier = new FileVerifier(file.path, {
    ...file,
    ...(options.replay ? { replay: options.replay } : {}),
    follows: previous !== null && followsDay(previous, file),
  });
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
  const scanner = options.scanner ?? true;
  for await (
    const _ of readRecords(file.path, verifier, { scanner, ...(onRead ? { onRead } : {}) })
  );
  verifier.finish();
  const report = verifier.report;
  if (hash) {
    report.manifest = await checkManifest(manifestPath, report, hash.digest("hex"));
    for (const mismatch of report.manifest.mismatches) {
      verifier.problem({ kind: "manifest", message: `Manifest disagrees: ${mismatch}` });
    }
  }
  const link = verifier.link;
  if (previous !== null && link !== null) {
    report.continuity = { previous: previous.path, ...link };
    if (link.status === "broken") {
      report.problemCount++;
      report.problems.push({
        kind: "continuity",
        message: `Day does not continue ${previous.path}: ${link.detail}`,
        line: 2,
      });
      report.status = "damaged";
    }
  }
  return report;
}

/** Verifies `files` (as {@linkcode findRecordings} orders them) and the links between days. */
export async function verifyFiles(
  files: readonly RecordingFile[],
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const reports: FileReport[] = [];
  const replay = numericReplay();
  let previous: RecordingFile | null = null;
  for (const file of files) {
    const report = await verifyFile(file, {
      replay,
      previous,
      ...(options.scanner === undefined ? {} : { scanner: options.scanner }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    previous = file;
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
