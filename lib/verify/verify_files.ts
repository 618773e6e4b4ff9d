/**
 * Verifies recording files: each file streamed through a {@linkcode FileVerifier}, then the
 * checks across files (a day continues the day before) and against manifests.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { numericDifference, type NumericSnapshot } from "../book/numeric_book.ts";
import type { SnapshotRecord } from "../recording/records.ts";
import { DepthScanner } from "../recording/depth_scanner.ts";
import { FileVerifier } from "./file_verifier.ts";
import { isNextDay, type RecordingFile } from "./find_recordings.ts";
import { lineText, MAX_LINE_LENGTH, readLineBlocks } from "../recording/line_blocks.ts";
import { checkManifest } from "./manifest_check.ts";
import { longLine, parseText } from "../recording/record_lines.ts";
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
  final: NumericSnapshot | null;
}

/** Verifies one file; returns its report, its opening `book` snapshot and its final book. */
export async function verifyFile(
  file: RecordingFile,
  options: { onProgress?: (bytes: number) => void } = {},
): Promise<{ report: FileReport; opening: SnapshotRecord | null; final: NumericSnapshot | null }> {
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
  await feed(verifier, file.path, onRead);
  const final = verifier.finish();
  const report = verifier.report;
  if (hash) {
    report.manifest = await checkManifest(manifestPath, report, hash.digest("hex"));
    for (const mismatch of report.manifest.mismatches) {
      verifier.problem({ kind: "manifest", message: `Manifest disagrees: ${mismatch}` });
    }
  }
  return { report, opening: verifier.opening, final };
}

/**
 * Every line of the file at `path` to `verifier`, in order: `depthUpdate` lines in the
 * collector's shape read into numbers by the {@linkcode DepthScanner}, every other line parsed as
 * JSON; then the gzip damage, if any.
 */
async function feed(
  verifier: FileVerifier,
  path: string,
  onRead: ((bytes: Uint8Array) => void) | undefined,
): Promise<void> {
  const scanner = new DepthScanner();
  let line = 0;
  for await (const block of readLineBlocks(path, onRead ? { onRead } : {})) {
    switch (block.kind) {
      case "damage":
        verifier.problem({
          kind: "gzip",
          message: `${block.message}; everything before it was checked`,
          byte: block.offset,
        });
        return;
      case "member":
        verifier.member(block.end);
        continue;
      case "long":
        verifier.line(longLine(++line, block.length), block.memberStart);
        continue;
      case "last":
        line++;
        verifier.line(parseText(line, lineText(block.bytes, line), true), -1);
        continue;
    }
    const memberStart = block.memberStart;
    scanner.load(block.bytes);
    while (scanner.next()) {
      const levels = scanner.levels;
      let at = 0;
      for (let i = 0; i < scanner.count; i++) {
        line++;
        const length = scanner.length(i);
        if (scanner.isEvent(i)) {
          const start = at;
          const bids = scanner.bids(i);
          const asks = scanner.asks(i);
          at += 2 * (bids + asks);
          const U = scanner.U(i);
          const u = scanner.u(i);
          // u < U is left to the JSON path, which names the field.
          if (u >= U && length <= MAX_LINE_LENGTH) {
            verifier.event({ E: scanner.E(i), U, u, levels, start, bids, asks }, line, memberStart);
            continue;
          }
        }
        verifier.line(
          length > MAX_LINE_LENGTH
            ? longLine(line, length)
            : parseText(line, lineText(scanner.lineBytes(i), line)),
          memberStart,
        );
      }
    }
  }
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
    const d = numericDifference(prev.final, opening);
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
