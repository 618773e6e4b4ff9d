/**
 * The disk side of the recorder: each day file's batches become complete gzip members, appended
 * and `fsync`ed in order on the file's own promise chain, off the hot path. Failed writes are cut
 * back and retried by reopening; finished files get their manifest, one at a time.
 *
 * @module
 */
import type { StreamKind } from "../binance/types.ts";
import type { Logger } from "../util/log.ts";
import { addToBatch, type Batch, concatBatches, emptyBatch } from "./batch.ts";
import { type BeforeWriteHook, DayFile } from "./day_file.ts";
import { gzipMember } from "../recording/gzip_member.ts";
import { finishDayFile } from "../recording/manifest.ts";
import { findUnfinishedDays, finishUnfinishedDay } from "./past_days.ts";
import { addCounts, emptyCounts } from "../recording/record_counts.ts";
import { type FileIntro, introBatch } from "./file_intro.ts";
import type { RecordFactory } from "../recording/record_factory.ts";
import {
  manifestPath,
  recordingPath,
  type RecordingRecord,
  serializeRecord,
} from "../recording/records.ts";
import type { FileEnding, FileFinishedInfo, FileState, RecorderStats } from "./recorder_types.ts";

/** Longest time between checks that an open file still exists (a directory removed underneath). */
const EXISTS_CHECK_MS = 5_000;
/** While a file keeps failing, an error is logged again this often. */
const FAILURE_LOG_MS = 60_000;
/** Tries of a finished file's last write (a loss in one is marked by the next). */
const FINAL_TRIES = 2;

/** What the pipeline needs from the recorder. */
export interface FilePipelineOptions {
  dataDir: string;
  fsync: boolean;
  flushIntervalMs: number;
  records: RecordFactory;
  /** Counters shared with the recorder. */
  stats: RecorderStats;
  /** Compressed bytes written, per symbol (shared with the recorder). */
  bytesBySymbol?: Map<string, number>;
  log: Logger;
  beforeWrite?: BeforeWriteHook | undefined;
  /** Records of `file` were lost to a write error (a gap must follow); not once it is finishing. */
  onLost: (file: FileState, lost: number) => void;
  /** A day file was finished and its manifest written. */
  onFinished: (info: FileFinishedInfo) => void;
}

/** Day files being written, and the background work on them. */
export class FilePipeline {
  /** Files not yet closed. */
  readonly files = new Set<FileState>();
  readonly #o: FilePipelineOptions;
  readonly #existsCheckMs: number;
  readonly #background = new Set<Promise<unknown>>();
  readonly #unfinished = new Map<string, Promise<void>>();
  readonly #encoder = new TextEncoder();
  #manifests: Promise<unknown> = Promise.resolve();

  /** A pipeline writing under `options.dataDir`. */
  constructor(options: FilePipelineOptions) {
    this.#o = options;
    this.#existsCheckMs = Math.min(EXISTS_CHECK_MS, 5 * options.flushIntervalMs);
  }

  /**
   * Starts a day file; its disk work begins after `after`'s (the symbol's previous file), so that
   * on disk a symbol's data is always a prefix of what was accepted, even across a rotation.
   */
  create(
    symbol: string,
    day: string,
    intro: FileIntro,
    after: FileState | null,
    stream: StreamKind = "depth",
  ): FileState {
    const path = `${this.#o.dataDir}/${recordingPath(symbol, day, stream)}`;
    const dayStart = Date.parse(day);
    const file: FileState = {
      symbol,
      stream,
      day,
      disk: new DayFile(path, this.#o.beforeWrite),
      batch: emptyBatch(),
      status: "new",
      opened: false,
      intro,
      chain: (after?.chain ?? Promise.resolve()).then(() => this.#unfinished.get(path)),
      flushQueued: false,
      counts: emptyCounts(),
      countsCoverFile: false,
      lastUpdateId: null,
      dayStart,
      dayEnd: dayStart + 86_400_000,
      lastExistsCheck: performance.now(),
      failingSince: null,
      lastFailureLog: 0,
      idleTicks: 0,
      ending: null,
    };
    this.files.add(file);
    this.schedule(file);
    return file;
  }

  /** Queues a flush of the file (at most one waits at a time). */
  schedule(file: FileState): void {
    if (file.flushQueued) return;
    file.flushQueued = true;
    this.#enqueue(file, () => {
      file.flushQueued = false;
      return this.#flush(file);
    });
  }

  /** Flushes every file now; resolves when all is written. */
  async flush(): Promise<void> {
    await Promise.all([...this.files].map((file) => this.#enqueue(file, () => this.#flush(file))));
  }

  /**
   * Flushes and closes the file, then writes its manifest in the background if asked. From now
   * on the pipeline marks the file's losses itself: after what waits come the gap of any loss
   * (`ending`'s, and any of a write still in flight or failing now), then `ending`'s book.
   */
  finish(
    file: FileState,
    manifest: boolean,
    ending: FileEnding = { loss: null, book: null },
  ): void {
    file.ending = { loss: ending.loss && { ...ending.loss }, book: ending.book };
    let wasFailed = false;
    const closed = this.#enqueue(file, async () => {
      wasFailed = !(await this.#writeEnding(file, file.ending!));
      file.disk.close();
      file.status = "closed";
      this.files.delete(file);
    });
    if (!manifest) return;
    const run = Promise.all([closed, this.#manifests]).then(async () => {
      if (!file.opened || wasFailed) return;
      const path = file.disk.path;
      const counts = file.countsCoverFile ? file.counts : undefined;
      const written = await finishDayFile(path, { symbol: file.symbol, date: file.day, counts });
      this.#o.stats.manifestsWritten++;
      const { symbol, day: date, stream } = file;
      this.#o.onFinished({ path, manifestPath: written, symbol, date, stream });
    }).catch((error) => {
      this.#o.log.error(`Cannot write the manifest of ${file.disk.path}: ${message(error)}`);
    });
    this.#manifests = run;
    this.#track(run);
  }

  /** Resolves when no background work is left. */
  async drain(): Promise<void> {
    while (this.#background.size > 0) await Promise.all([...this.#background]);
  }

  /**
   * Repairs and writes the manifest of every day before `today` a previous process left without
   * one, one at a time, in the background (a file started meanwhile waits for its own).
   */
  async finishPastDays(today: string): Promise<void> {
    const days = await findUnfinishedDays(this.#o.dataDir, today);
    // Start after the caller had a chance to set its onFileFinished hook.
    let previous = new Promise<void>((resolve) => setTimeout(resolve, 0));
    for (const day of days) {
      const records = this.#o.records;
      const crashLines = (detail: string, lastUpdateId: number | null) => [
        serializeRecord(records.header(day.symbol, day.day, undefined, day.stream)),
        serializeRecord(records.gap("crash", lastUpdateId, detail)),
      ];
      const run = previous.then(async () => {
        const done = await finishUnfinishedDay(day, crashLines);
        if (done.cut > 0) this.#o.stats.tailsRepaired++;
        this.#o.stats.manifestsWritten++;
        const { path, symbol, day: date, stream } = day;
        this.#o.onFinished({ path, manifestPath: done.manifestPath, symbol, date, stream });
      }).catch((error) => {
        this.#o.log.error(`Cannot finish ${day.path}: ${message(error)}`);
      }).finally(() => this.#unfinished.delete(day.path));
      previous = run;
      this.#unfinished.set(day.path, run);
      this.#track(run);
    }
  }

  /** Runs `task` after the file's earlier disk work; errors are logged, never thrown. */
  #enqueue(file: FileState, task: () => Promise<unknown>): Promise<void> {
    const run = file.chain.then(async () => {
      await task();
    }).catch((error) => {
      this.#o.log.error(`Storage task failed for ${file.disk.path}: ${message(error)}`);
    });
    file.chain = run;
    this.#track(run);
    return run;
  }

  #track(run: Promise<unknown>): void {
    this.#background.add(run);
    run.finally(() => this.#background.delete(run));
  }

  /**
   * The last write of a finished file: what waits, the gap of any loss not yet marked, the final
   * book. A loss in one try (the write failing again) is marked by the next. Returns whether it
   * was written; if not, a loss it had to mark is logged as an error.
   */
  async #writeEnding(file: FileState, ending: FileEnding): Promise<boolean> {
    for (let tries = 0; tries < FINAL_TRIES; tries++) {
      const tail = emptyBatch();
      const add = (record: RecordingRecord) => addToBatch(tail, record, serializeRecord(record));
      const loss = ending.loss;
      if (loss) {
        add(this.#o.records.gap(loss.reason, loss.lastUpdateId, `${loss.records} records dropped`));
      }
      if (ending.book) add(ending.book);
      if (await this.#flush(file, tail)) {
        ending.loss = null;
        return true;
      }
    }
    const lost = ending.loss?.records ?? 0;
    if (lost > 0) {
      this.#o.log.error(
        `Cannot finish ${file.disk.path}: ${lost} records were lost and the file ends without ` +
          `the ${ending.loss!.reason} gap that should mark them`,
        { symbol: file.symbol, lost },
      );
    }
    return false;
  }

  /**
   * Writes what waits, then `tail` (records the pipeline adds itself, not counted as pending), as
   * one member. Returns whether all of it is on disk (or nothing was to be written).
   */
  async #flush(file: FileState, tail?: Batch): Promise<boolean> {
    if (file.status === "closed") return true;
    if (file.status !== "open" && !(await this.#open(file))) return false;
    if (performance.now() - file.lastExistsCheck > this.#existsCheckMs) {
      file.lastExistsCheck = performance.now();
      if (!(await this.#stillThere(file))) return false;
    }
    const batch = file.batch;
    const written = tail ? concatBatches(batch, tail) : batch;
    if (written.lines.length === 0) return true;
    file.batch = emptyBatch();
    const stats = this.#o.stats;
    try {
      const member = await gzipMember(this.#encoder.encode(written.lines.join("\n") + "\n"));
      await file.disk.append(member, this.#o.fsync);
      stats.bytesWritten += member.length;
      const bySymbol = this.#o.bytesBySymbol;
      bySymbol?.set(file.symbol, (bySymbol.get(file.symbol) ?? 0) + member.length);
      stats.membersWritten++;
      stats.recordsWritten += written.records;
      addCounts(file.counts, written.counts);
      if (written.lastUpdateId !== null) file.lastUpdateId = written.lastUpdateId;
      if (file.failingSince !== null) {
        const ms = Math.round(performance.now() - file.failingSince);
        this.#o.log.info(`Writing ${file.disk.path} works again after ${ms} ms`);
        file.failingSince = null;
      }
      return true;
    } catch (error) {
      this.#failed(file, error, batch);
      return false;
    } finally {
      stats.pendingBytes -= batch.chars;
    }
  }

  /** Detects a file deleted underneath (writes to it would vanish): reopen, record the loss. */
  async #stillThere(file: FileState): Promise<boolean> {
    try {
      await Deno.stat(file.disk.path);
      return true;
    } catch (error) {
      this.#failed(file, error, emptyBatch());
      return false;
    }
  }

  /** A write or open failed: what was not written is lost; retried on the next flush. */
  #failed(file: FileState, error: unknown, batch: Batch): void {
    const stats = this.#o.stats;
    stats.writeErrors++;
    const lost = batch.records + file.batch.records;
    stats.pendingBytes -= file.batch.chars;
    stats.droppedRecords += lost;
    file.batch = emptyBatch();
    file.disk.close();
    file.status = "failed";
    const text = `Cannot write ${file.disk.path}: ${message(error)}`;
    const now = performance.now();
    if (file.failingSince === null) {
      file.failingSince = now;
      file.lastFailureLog = now;
      const fields = { symbol: file.symbol, lost };
      this.#o.log.error(`${text}; records are dropped until writing works again`, fields);
    } else if (now - file.lastFailureLog >= FAILURE_LOG_MS) {
      file.lastFailureLog = now;
      const seconds = Math.round((now - file.failingSince) / 1000);
      this.#o.log.error(`${text}; still failing after ${seconds} s`, { symbol: file.symbol });
    } else {
      this.#o.log.debug(text, { symbol: file.symbol, lost });
    }
    if (file.ending === null) this.#o.onLost(file, lost);
    else if (lost > 0) {
      // Finishing: no record of the recorder follows to carry the gap; the last write does.
      const loss = file.ending.loss ??= { reason: "write-error", lastUpdateId: null, records: 0 };
      loss.records += lost;
      loss.lastUpdateId = file.lastUpdateId;
    }
  }

  /** Opens (or reopens) a file; the first time, its intro lines go before the batch. */
  async #open(file: FileState): Promise<boolean> {
    let repair;
    try {
      if (!file.opened) {
        await removeIfExists(
          `${this.#o.dataDir}/${manifestPath(file.symbol, file.day, file.stream)}`,
        );
      }
      repair = await file.disk.open();
    } catch (error) {
      this.#failed(file, error, emptyBatch());
      return false;
    }
    let prefix = emptyBatch();
    if (!file.opened) {
      file.opened = true;
      file.countsCoverFile = !repair.existed;
      if (repair.cut > 0) {
        this.#o.stats.tailsRepaired++;
        this.#o.log.warn(`Cut ${repair.cut} bytes of a torn gzip member from ${file.disk.path}`);
      }
      prefix = introBatch(this.#o.records, file, repair);
      file.intro.book = null; // written; do not keep a book per file
    } else if (repair.size === 0) {
      // The file vanished (its directory was removed): it begins again.
      const header = this.#o.records.header(file.symbol, file.day, undefined, file.stream);
      addToBatch(prefix, header, serializeRecord(header));
      file.counts = emptyCounts();
      file.countsCoverFile = true;
    }
    file.status = "open";
    file.batch = concatBatches(prefix, file.batch);
    this.#o.stats.pendingBytes += prefix.chars;
    return true;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function removeIfExists(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
