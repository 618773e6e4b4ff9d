/**
 * Options, statistics and per-symbol/per-file state of the {@linkcode Recorder}.
 *
 * @module
 */
import type { Market, StreamKind } from "../binance/types.ts";
import type { Logger } from "../util/log.ts";
import type { Batch } from "./batch.ts";
import type { BeforeWriteHook, DayFile } from "./day_file.ts";
import type { GapReason, SnapshotRecord } from "../recording/records.ts";
import type { FileIntro } from "./file_intro.ts";
import type { RecordCounts } from "../recording/record_counts.ts";

/** Options of `Recorder.open`. */
export interface RecorderOptions {
  /** Directory that holds one folder per symbol (a market's: see `marketDataDir`). */
  dataDir: string;
  /** Market named in every header; spot by default. */
  market?: Market;
  /** Collector version written into every header. */
  collectorVersion: string;
  /** Stream name of a symbol for the header, e.g. `"btcusdt@depth@100ms"`. */
  streamName: (symbol: string) => string;
  /** Longest time accepted records wait before they are written as a member. Default 1000. */
  flushIntervalMs?: number;
  /** Uncompressed bytes that force a member. Default 1 MiB. */
  maxMemberBytes?: number;
  /** `fsync` (fdatasync) every member. Default true. */
  fsync?: boolean;
  /** Memory cap across symbols for records not yet written. Default 256 MiB. */
  maxPendingBytes?: number;
  /** A "book" snapshot every this many ms per in-sync symbol; 0 = off (default). */
  checkpointIntervalMs?: number;
  /** Clock (epoch ms) for the records the recorder writes itself and for "today". */
  now?: () => number;
  /** Receives what the recorder has to say. */
  log?: Logger;
  /** For tests: called before every member write (delay it, or throw to simulate a failing disk). */
  beforeWrite?: BeforeWriteHook;
}

/** Counters of a recorder since it opened. */
export interface RecorderStats {
  /** Compressed bytes written. */
  bytesWritten: number;
  /** Records written (headers excluded). */
  recordsWritten: number;
  /** gzip members written. */
  membersWritten: number;
  /** Failed writes or opens. */
  writeErrors: number;
  /** Records dropped (memory cap or write errors); a gap marks each run of them. */
  droppedRecords: number;
  /** Day files currently open. */
  filesOpen: number;
  /** Bytes (UTF-16 units) accepted but not yet written. */
  pendingBytes: number;
  /** Torn tails cut back at start-up. */
  tailsRepaired: number;
  /** Manifests written. */
  manifestsWritten: number;
}

/** What `onFileFinished` receives. */
export interface FileFinishedInfo {
  path: string;
  manifestPath: string;
  symbol: string;
  date: string;
  /** The stream the file records. */
  stream: StreamKind;
}

/** Records lost before a gap could mark them. */
export interface FileLoss {
  reason: GapReason;
  /** Last update id known good before them. */
  lastUpdateId: number | null;
  records: number;
}

/** How a file being finished ends: the gap of a loss not yet marked, then the final book. */
export interface FileEnding {
  loss: FileLoss | null;
  /** The "book" snapshot the file ends with, or `null` (out of sync, or none wanted). */
  book: SnapshotRecord | null;
}

/** One day file as the recorder tracks it. */
export interface FileState {
  symbol: string;
  /** The stream the file records (`depth`: `<day>_dom.jsonl.gz`). */
  stream: StreamKind;
  day: string;
  disk: DayFile;
  batch: Batch;
  status: "new" | "open" | "failed" | "closed";
  /** This process has opened the file at least once. */
  opened: boolean;
  /** How the file begins when this process first writes to it (captured at the rotation point). */
  intro: FileIntro;
  /** Serializes the file's disk operations. */
  chain: Promise<void>;
  flushQueued: boolean;
  /** What this process wrote; the whole file's when `countsCoverFile`. */
  counts: RecordCounts;
  countsCoverFile: boolean;
  /** Last update id known written. */
  lastUpdateId: number | null;
  /** The day as epoch ms: `[dayStart, dayEnd)`. */
  dayStart: number;
  dayEnd: number;
  /** `performance.now()` of the last check that the file still exists. */
  lastExistsCheck: number;
  /** `performance.now()` of the first failure since the last successful write, or `null`. */
  failingSince: number | null;
  /** `performance.now()` of the last error logged about this file. */
  lastFailureLog: number;
  /** Flush ticks in a row that found nothing to write. */
  idleTicks: number;
  /**
   * Set once the recorder handed the file over to be finished: no record follows to carry a
   * gap, so the pipeline marks what is lost from then on in the file's last write.
   */
  ending: FileEnding | null;
}

/** One stream of one symbol as the recorder tracks it (each has its own day files). */
export interface SymbolState {
  symbol: string;
  stream: StreamKind;
  file: FileState | null;
  /** Records never go to a day before this one. */
  minDay: string;
  /** Last update id accepted. */
  lastUpdateId: number | null;
  /** A gap is due before the next record (records were dropped or lost). */
  gapDue: boolean;
  /** Records dropped since the last gap, why, and the last update id known before them. */
  dropped: number;
  dropReason: GapReason | null;
  dropLastUpdateId: number | null;
  lastCheckpoint: number;
}
