/**
 * Verifies recording files: each depth file read by the one record reader (the WebAssembly
 * scanner on) into a {@linkcode FileVerifier}, one replay carried from file to file so that a day
 * is checked to continue the day before; each trade, aggTrade or bookTicker file into a
 * {@linkcode StreamVerifier}, carried the same way; then the manifest beside each. With
 * `crossCheck`, a depth file's book is compared with the bookTickers of the same symbol.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { readRecords, type RecordSink } from "../recording/record_reader.ts";
import { CrossChecker } from "./cross_check.ts";
import { FileVerifier, type VerifyReplay } from "./file_verifier.ts";
import { followsDay, isNextDay, type RecordingFile } from "./find_recordings.ts";
import { checkManifest } from "./manifest_check.ts";
import type { FileReport, VerifyReport } from "./report.ts";
import { numericReplay } from "../recording/record_replay.ts";
import { type StreamCarry, StreamVerifier } from "./stream_verifier.ts";

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
  /**
   * Compare each depth file's book with the bookTickers of the same symbol and day
   * (`<day>_bookTicker.jsonl.gz` beside it): `verify --cross-check`.
   */
  crossCheck?: boolean;
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
  /** For a depth file: the bookTickers its book is compared with (`verify --cross-check`). */
  crossCheck?: { checker: CrossChecker; bookTicker: string } | null;
  /** For a trade, aggTrade or bookTicker file: what the file before (`previous`) left. */
  carry?: StreamCarry | null;
}

/** Verifies one file; returns its report (and, for a stream file, what it leaves the next day). */
export async function verifyFile(
  file: RecordingFile,
  options: VerifyFileOptions = {},
): Promise<FileReport> {
  return (await verifyOne(file, options)).report;
}

async function verifyOne(
  file: RecordingFile,
  options: VerifyFileOptions,
): Promise<{ report: FileReport; carry: StreamCarry | null }> {
  const previous = options.previous ?? null;
  const follows = previous !== null && followsDay(previous, file);
  if (file.stream !== "depth") {
    const verifier = new StreamVerifier(file.path, {
      ...file,
      stream: file.stream,
      previous: follows && options.carry ? { path: previous.path, carry: options.carry } : null,
    });
    await readAndCheck(file, verifier, options, () => verifier.finish(), verifier);
    return { report: verifier.report, carry: verifier.carry };
  }
  const cross = options.crossCheck ?? null;
  const verifier = new FileVerifier(file.path, {
    ...file,
    ...(options.replay ? { replay: options.replay } : {}),
    follows,
    crossCheck: cross?.checker ?? null,
  });
  if (cross !== null) {
    const crossCheck = { bookTicker: cross.bookTicker, checked: 0, disagreed: 0 };
    verifier.report.crossCheck = crossCheck;
    cross.checker.startFile({
      compared(problem) {
        crossCheck.checked++;
        if (problem === undefined) return;
        crossCheck.disagreed++;
        verifier.problem({ kind: "cross-check", ...problem });
      },
    });
  }
  const drain = cross === null ? undefined : () => cross.checker.drain();
  await readAndCheck(file, verifier, options, () => verifier.finish(), verifier, drain);
  const report = verifier.report;
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
  return { report, carry: null };
}

/**
 * Reads `file` into `sink` (hashing it when a manifest is beside it), calls `finish`, then checks
 * the manifest; `afterBlock` runs after every block of lines (the cross-check's merge).
 */
async function readAndCheck(
  file: RecordingFile,
  sink: RecordSink,
  options: VerifyFileOptions,
  finish: () => void,
  verifier: { report: FileReport; problem(p: { kind: "manifest"; message: string }): unknown },
  afterBlock?: () => Promise<void>,
): Promise<void> {
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
  // The scanner reads depth events only; other files gain nothing from it.
  const scanner = file.stream === "depth" && (options.scanner ?? true);
  const reading = readRecords(file.path, sink, { scanner, ...(onRead ? { onRead } : {}) });
  if (afterBlock === undefined) { for await (const _ of reading); }
  else for await (const _ of reading) await afterBlock();
  finish();
  if (afterBlock !== undefined) await afterBlock();
  const report = verifier.report;
  if (hash) {
    report.manifest = await checkManifest(manifestPath, report, hash.digest("hex"));
    for (const mismatch of report.manifest.mismatches) {
      verifier.problem({ kind: "manifest", message: `Manifest disagrees: ${mismatch}` });
    }
  }
}

/** Verifies `files` (as {@linkcode findRecordings} orders them) and the links between days. */
export async function verifyFiles(
  files: readonly RecordingFile[],
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const reports: FileReport[] = [];
  const replay = numericReplay();
  let previous: RecordingFile | null = null;
  let carry: StreamCarry | null = null;
  /** The cross-check of the directory being read, and its bookTicker files by day. */
  let cross: { dir: string; checker: CrossChecker; days: Map<string, string> } | null = null;
  for (const file of files) {
    let crossCheck: VerifyFileOptions["crossCheck"] = null;
    if (options.crossCheck && file.stream === "depth") {
      if (cross === null || cross.dir !== file.dir) cross = await crossCheckerOf(file, files);
      const bookTicker = cross.days.get(file.date);
      if (bookTicker !== undefined) crossCheck = { checker: cross.checker, bookTicker };
    }
    const { report, carry: left } = await verifyOne(file, {
      replay,
      previous,
      carry,
      crossCheck,
      ...(options.scanner === undefined ? {} : { scanner: options.scanner }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    previous = file;
    carry = left;
    reports.push(report);
    options.onFile?.(report);
  }
  const checked = reports.reduce((n, r) => n + (r.crossCheck?.checked ?? 0), 0);
  const disagreed = reports.reduce((n, r) => n + (r.crossCheck?.disagreed ?? 0), 0);
  const damaged = reports.filter((r) => r.status === "damaged").length;
  const gaps = reports.reduce((n, r) => n + r.gaps.length, 0);
  const failed = damaged > 0 || (options.strict === true && gaps > 0);
  return {
    files: reports,
    whole: reports.length - damaged,
    damaged,
    gaps,
    ...(options.crossCheck ? { crossCheck: { checked, disagreed } } : {}),
    exitCode: failed ? 1 : 0,
  };
}

/**
 * The cross-check of `file`'s directory: its bookTicker files (on disk beside the depth files,
 * listed or not) from the day of its first depth file to the day after its last, in date order.
 */
async function crossCheckerOf(
  file: RecordingFile,
  files: readonly RecordingFile[],
): Promise<{ dir: string; checker: CrossChecker; days: Map<string, string> }> {
  const depthDays = files.filter((f) => f.dir === file.dir && f.stream === "depth")
    .map((f) => f.date);
  const first = depthDays[0]!;
  const last = depthDays.at(-1)!;
  const days = new Map<string, string>();
  const paths: string[] = [];
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(file.dir)) names.push(entry.name);
  } catch {
    // An unreadable directory has no bookTicker file to compare.
  }
  for (const name of names.sort()) {
    const m = /^(\d{4}-\d{2}-\d{2})_bookTicker\.jsonl\.gz$/.exec(name);
    const day = m?.[1];
    if (day === undefined || day < first || (day > last && !isNextDay(last, day))) continue;
    const path = `${file.dir}/${name}`;
    if (depthDays.includes(day)) days.set(day, path);
    paths.push(path);
  }
  return { dir: file.dir, checker: new CrossChecker(paths), days };
}
