/**
 * The recorder: what `collector run` accepts reaches disk here, as one self-contained, crash-safe
 * gzip file per symbol per UTC day (see `docs/FORMAT.md`).
 *
 * `write()` is synchronous and cheap: it serializes the record and appends the line to the day
 * file's batch. A timer turns batches into complete gzip members (one `CompressionStream` each)
 * off the hot path, appends them and `fsync`s; a batch also closes early when it reaches
 * `maxMemberBytes`. Each file's disk work runs in order on its own promise chain.
 *
 * @module
 */
import type { DepthSnapshot } from "../binance/types.ts";
import { addToBatch, type Batch, concatBatches, emptyBatch } from "./batch.ts";
import { DataDirLock } from "./data_dir_lock.ts";
import { DayFile } from "./day_file.ts";
import { gzipMember } from "./gzip_member.ts";
import { finishDayFile } from "./manifest.ts";
import { findUnfinishedDays, finishUnfinishedDay } from "./past_days.ts";
import { addCounts, emptyCounts } from "./record_counts.ts";
import {
  FORMAT_VERSION,
  type GapReason,
  type GapRecord,
  type HeaderRecord,
  manifestPath,
  recordingPath,
  type RecordingRecord,
  serializeRecord,
  type SnapshotRecord,
  utcDay,
} from "./records.ts";
import type {
  FileFinishedInfo,
  FileState,
  LogLevel,
  RecorderOptions,
  RecorderStats,
  SymbolState,
} from "./recorder_types.ts";

export { DataDirLockedError } from "./data_dir_lock.ts";
export type { FileFinishedInfo, RecorderOptions, RecorderStats } from "./recorder_types.ts";

const SYMBOL = /^[A-Z0-9][A-Z0-9_-]{0,39}$/;
/** A file of a past day that received nothing for this long is finished (its symbol went quiet). */
const IDLE_FINISH_MS = 10 * 60_000;
/** Longest time between checks that an open file still exists (a directory removed underneath). */
const EXISTS_CHECK_MS = 5_000;

/** Writes records into per-symbol day files; one per data directory (an OS lock enforces it). */
export class Recorder {
  readonly #stats: RecorderStats = {
    bytesWritten: 0,
    recordsWritten: 0,
    membersWritten: 0,
    writeErrors: 0,
    droppedRecords: 0,
    filesOpen: 0,
    pendingBytes: 0,
    tailsRepaired: 0,
    manifestsWritten: 0,
  };
  /** Counters since the recorder opened. */
  get stats(): RecorderStats {
    let filesOpen = 0;
    for (const file of this.#files) if (file.disk.isOpen) filesOpen++;
    return { ...this.#stats, filesOpen };
  }

  /** Called after a day file is finished and its manifest written (e.g. for an `onRotate` hook). */
  onFileFinished?: (info: FileFinishedInfo) => void;

  readonly #dataDir: string;
  readonly #options: RecorderOptions;
  readonly #now: () => number;
  readonly #flushIntervalMs: number;
  readonly #maxMemberBytes: number;
  readonly #maxPendingBytes: number;
  readonly #checkpointMs: number;
  readonly #existsCheckMs: number;
  readonly #fsync: boolean;
  readonly #lock: DataDirLock;
  readonly #symbols = new Map<string, SymbolState>();
  readonly #files = new Set<FileState>();
  readonly #background = new Set<Promise<void>>();
  readonly #unfinished = new Map<string, Promise<void>>();
  readonly #encoder = new TextEncoder();
  #manifests: Promise<unknown> = Promise.resolve();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  private constructor(options: RecorderOptions, lock: DataDirLock) {
    this.#options = options;
    this.#dataDir = options.dataDir.replace(/\/+$/, "") || "/";
    this.#now = options.now ?? Date.now;
    this.#flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.#maxMemberBytes = options.maxMemberBytes ?? 1024 * 1024;
    this.#maxPendingBytes = options.maxPendingBytes ?? 256 * 1024 * 1024;
    this.#checkpointMs = options.checkpointIntervalMs ?? 0;
    this.#fsync = options.fsync ?? true;
    this.#existsCheckMs = Math.min(EXISTS_CHECK_MS, 5 * this.#flushIntervalMs);
    this.#lock = lock;
    this.#timer = setInterval(() => this.#tick(), this.#flushIntervalMs);
  }

  /** Takes the data directory's lock (or throws `DataDirLockedError`) and starts recording. */
  static async open(options: RecorderOptions): Promise<Recorder> {
    for (const [name, value] of Object.entries(options)) {
      if (name.endsWith("Ms") || name.endsWith("Bytes")) {
        const min = name === "flushIntervalMs" ? 1 : 0;
        if (typeof value !== "number" || !(value >= min)) {
          throw new RangeError(`Invalid ${name} ${value}: expected a number >= ${min}`);
        }
      }
    }
    const lock = await DataDirLock.acquire(options.dataDir);
    const recorder = new Recorder(options, lock);
    try {
      await recorder.#finishPastDays();
    } catch (error) {
      await recorder.#abort();
      throw error;
    }
    return recorder;
  }

  /**
   * Accepts one record of `symbol`, in arrival order. Synchronous and cheap. `book` gives the
   * symbol's in-sync book before this record's event (or `null`); it is called only at a day
   * rotation, a checkpoint, or to resynchronize a file after records had to be dropped.
   */
  write(symbol: string, record: RecordingRecord, book: () => DepthSnapshot | null): void {
    if (this.#closed) throw new Error(`Recorder is closed: cannot write ${symbol}`);
    const s = this.#symbols.get(symbol) ?? this.#addSymbol(symbol);
    let snapshot: SnapshotRecord | null | undefined;
    const bookSnapshot = () =>
      snapshot === undefined ? (snapshot = this.#snapshot(book())) : snapshot;
    let file = s.file;
    const sameDay = file !== null &&
      (record.type !== "depthUpdate" || (record.E >= file.dayStart && record.E < file.dayEnd));
    let day = sameDay
      ? file!.day
      : record.type === "depthUpdate"
      ? utcDay(record.E)
      : utcDay(record.recv);
    if (day < s.minDay) day = s.minDay;
    if (file === null || day > file.day) {
      if (file !== null) this.#rotateAway(s, file, bookSnapshot());
      file = this.#startFile(s, day, bookSnapshot(), record.type === "gap");
    }
    if (file.status === "failed") return this.#drop(s, "write-error");
    const line = serializeRecord(record);
    if (this.#stats.pendingBytes + line.length > this.#maxPendingBytes) {
      return this.#drop(s, "overflow");
    }
    if (s.gapDue) this.#writeDropGap(s, file, bookSnapshot());
    if (this.#checkpointMs > 0 && record.recv - s.lastCheckpoint >= this.#checkpointMs) {
      s.lastCheckpoint = record.recv;
      const checkpoint = bookSnapshot();
      if (checkpoint) this.#add(file, checkpoint);
    }
    this.#add(file, record, line);
    if (record.type === "depthUpdate") s.lastUpdateId = record.u;
    else if (record.type === "snapshot") s.lastUpdateId = record.lastUpdateId;
    if (file.batch.chars >= this.#maxMemberBytes) this.#scheduleFlush(file);
  }

  /** Writes everything accepted so far as complete members (and `fsync`s). */
  async flush(): Promise<void> {
    await Promise.all(
      [...this.#files].map((file) => this.#enqueue(file, () => this.#flushNow(file))),
    );
  }

  /**
   * Clean stop: a final "book" snapshot per in-sync symbol, everything flushed, manifests for
   * finished days (before today), the lock released. Loses nothing.
   */
  async close(books?: (symbol: string) => DepthSnapshot | null): Promise<void> {
    if (this.#closed) return;
    for (const s of this.#symbols.values()) {
      const file = s.file;
      if (file === null || file.status === "failed") continue;
      if (s.gapDue) this.#writeDropGap(s, file, null);
      const checkpoint = this.#snapshot(books?.(s.symbol) ?? null);
      if (checkpoint) this.#add(file, checkpoint);
    }
    this.#closed = true;
    const today = utcDay(this.#now());
    for (const s of this.#symbols.values()) {
      if (s.file) this.#finish(s.file, s.file.day < today);
      s.file = null;
    }
    await this.#abort();
  }

  async #abort(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    while (this.#background.size > 0) await Promise.all([...this.#background]);
    this.#lock.release();
  }

  #addSymbol(symbol: string): SymbolState {
    if (!SYMBOL.test(symbol)) {
      throw new TypeError(`Invalid symbol "${symbol}": expected upper-case letters and digits`);
    }
    const s: SymbolState = {
      symbol,
      file: null,
      minDay: "",
      lastUpdateId: null,
      gapDue: false,
      dropped: 0,
      dropReason: null,
      dropLastUpdateId: null,
      lastCheckpoint: -Infinity,
    };
    this.#symbols.set(symbol, s);
    return s;
  }

  #snapshot(book: DepthSnapshot | null): SnapshotRecord | null {
    if (book === null) return null;
    const { lastUpdateId, bids, asks } = book;
    return { type: "snapshot", recv: this.#now(), lastUpdateId, bids, asks, source: "book" };
  }

  #gap(
    reason: GapReason,
    lastUpdateId: number | null,
    detail?: string,
    recv = this.#now(),
  ): GapRecord {
    const gap: GapRecord = { type: "gap", recv, lastUpdateId, reason };
    if (detail !== undefined) gap.detail = detail;
    return gap;
  }

  #add(file: FileState, record: RecordingRecord, line = serializeRecord(record)): void {
    addToBatch(file.batch, record, line);
    this.#stats.pendingBytes += line.length + 1;
  }

  #drop(s: SymbolState, reason: GapReason): void {
    if (!s.gapDue) {
      s.gapDue = true;
      s.dropReason = reason;
      s.dropLastUpdateId = s.lastUpdateId;
      this.#log("warn", `Dropping records of ${s.symbol}: ${reason}`, { symbol: s.symbol, reason });
    }
    s.dropped++;
    this.#stats.droppedRecords++;
  }

  /** The gap that replaces dropped records, then a book snapshot to resynchronize the file. */
  #writeDropGap(s: SymbolState, file: FileState, book: SnapshotRecord | null): void {
    const detail = `${s.dropped} records dropped`;
    this.#add(file, this.#gap(s.dropReason ?? "overflow", s.dropLastUpdateId, detail));
    if (book) this.#add(file, book);
    this.#log("info", `Recording ${s.symbol} again after ${detail}`, {
      symbol: s.symbol,
      reason: s.dropReason,
      dropped: s.dropped,
    });
    s.gapDue = false;
    s.dropped = 0;
    s.dropReason = null;
  }

  #startFile(s: SymbolState, day: string, book: SnapshotRecord | null, byGap: boolean): FileState {
    const path = `${this.#dataDir}/${recordingPath(s.symbol, day)}`;
    const file: FileState = {
      symbol: s.symbol,
      day,
      disk: new DayFile(path, this.#options.beforeWrite),
      batch: emptyBatch(),
      status: "new",
      opened: false,
      intro: { recv: this.#now(), book, startGap: !byGap, lastUpdateId: s.lastUpdateId },
      // After the previous day's last write: on disk, a symbol's data is always a prefix of what
      // was accepted, even across a rotation.
      chain: (s.file?.chain ?? Promise.resolve()).then(() => this.#unfinished.get(path)),
      flushQueued: false,
      counts: emptyCounts(),
      countsCoverFile: false,
      lastUpdateId: null,
      dayStart: Date.parse(day),
      dayEnd: Date.parse(day) + 86_400_000,
      lastExistsCheck: performance.now(),
      failingSince: null,
      idleTicks: 0,
    };
    s.file = file;
    s.minDay = day;
    this.#files.add(file);
    this.#scheduleFlush(file);
    return file;
  }

  /** Day rotation: the old file ends with the in-sync book, then is flushed, closed, manifested. */
  #rotateAway(s: SymbolState, file: FileState, book: SnapshotRecord | null): void {
    if (file.status !== "failed") {
      if (s.gapDue) this.#writeDropGap(s, file, null);
      if (book) this.#add(file, book);
    }
    s.gapDue = false;
    s.dropped = 0;
    s.dropReason = null;
    this.#finish(file, true);
  }

  /** Flushes and closes the file; its manifest is then written in the background, one at a time. */
  #finish(file: FileState, manifest: boolean): void {
    let wasFailed = false;
    const closed = this.#enqueue(file, async () => {
      await this.#flushNow(file);
      wasFailed = file.status === "failed";
      this.#closeFile(file);
    });
    if (!manifest) return;
    const run = Promise.all([closed, this.#manifests]).then(async () => {
      if (file.opened && !wasFailed) await this.#writeManifest(file);
    }).catch((error) => {
      this.#log("error", `Cannot write the manifest of ${file.disk.path}: ${message(error)}`);
    });
    this.#manifests = run;
    this.#track(run);
  }

  #closeFile(file: FileState): void {
    file.disk.close();
    file.status = "closed";
    this.#files.delete(file);
  }

  async #writeManifest(file: FileState): Promise<void> {
    const path = file.disk.path;
    const counts = file.countsCoverFile ? file.counts : undefined;
    const written = await finishDayFile(path, { symbol: file.symbol, date: file.day, counts });
    this.#stats.manifestsWritten++;
    this.onFileFinished?.({ path, manifestPath: written, symbol: file.symbol, date: file.day });
  }

  /** Runs `task` after the file's earlier disk work; errors are logged, never thrown. */
  #enqueue(file: FileState, task: () => Promise<void>): Promise<void> {
    const run = file.chain.then(task).catch((error) => {
      this.#log("error", `Storage task failed for ${file.disk.path}: ${message(error)}`);
    });
    file.chain = run;
    this.#track(run);
    return run;
  }

  #track(run: Promise<void>): void {
    this.#background.add(run);
    run.finally(() => this.#background.delete(run));
  }

  #scheduleFlush(file: FileState): void {
    if (file.flushQueued) return;
    file.flushQueued = true;
    this.#enqueue(file, () => {
      file.flushQueued = false;
      return this.#flushNow(file);
    });
  }

  #tick(): void {
    const today = utcDay(this.#now());
    const idleTicks = IDLE_FINISH_MS / this.#flushIntervalMs;
    for (const file of this.#files) {
      const s = this.#symbols.get(file.symbol);
      file.idleTicks = file.batch.lines.length > 0 ? 0 : file.idleTicks + 1;
      if (s?.file === file && file.day < today && file.idleTicks > idleTicks) {
        s.file = null;
        s.minDay = utcDay(this.#now());
        this.#finish(file, true);
      } else if (file.batch.lines.length > 0 || file.status === "failed") {
        this.#scheduleFlush(file);
      }
    }
  }

  async #flushNow(file: FileState): Promise<void> {
    if (file.status === "closed") return;
    if (file.status !== "open" && !(await this.#openFile(file))) return;
    if (performance.now() - file.lastExistsCheck > this.#existsCheckMs) {
      file.lastExistsCheck = performance.now();
      if (!(await this.#stillThere(file))) return;
    }
    const batch = file.batch;
    if (batch.lines.length === 0) return;
    file.batch = emptyBatch();
    try {
      const member = await gzipMember(this.#encoder.encode(batch.lines.join("\n") + "\n"));
      await file.disk.append(member, this.#fsync);
      this.#stats.bytesWritten += member.length;
      this.#stats.membersWritten++;
      this.#stats.recordsWritten += batch.records;
      addCounts(file.counts, batch.counts);
      if (batch.lastUpdateId !== null) file.lastUpdateId = batch.lastUpdateId;
      if (file.failingSince !== null) {
        const ms = Math.round(performance.now() - file.failingSince);
        this.#log("info", `Writing ${file.disk.path} works again after ${ms} ms`);
        file.failingSince = null;
      }
    } catch (error) {
      this.#failed(file, error, batch);
    } finally {
      this.#stats.pendingBytes -= batch.chars;
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

  #failed(file: FileState, error: unknown, batch: Batch): void {
    this.#stats.writeErrors++;
    const lost = batch.records + file.batch.records;
    this.#stats.pendingBytes -= file.batch.chars;
    file.batch = emptyBatch();
    file.disk.close();
    const text = `Cannot write ${file.disk.path}: ${message(error)}`;
    if (file.failingSince === null) {
      file.failingSince = performance.now();
      this.#log("error", `${text}; records are dropped until writing works again`, {
        symbol: file.symbol,
        lost,
      });
    } else {
      this.#log("debug", text, { symbol: file.symbol, lost });
    }
    file.status = "failed";
    const s = this.#symbols.get(file.symbol);
    if (s?.file === file) {
      if (!s.gapDue) s.dropReason = "write-error";
      s.gapDue = true;
      s.dropped += lost;
      s.dropLastUpdateId = file.lastUpdateId;
      this.#stats.droppedRecords += lost;
    } else {
      this.#stats.droppedRecords += lost;
    }
  }

  /** Opens (or reopens) a file; the first time, writes the header and how the file begins. */
  async #openFile(file: FileState): Promise<boolean> {
    let repair;
    try {
      if (!file.opened) await removeIfExists(manifestPath(file.symbol, file.day), this.#dataDir);
      repair = await file.disk.open();
    } catch (error) {
      this.#failed(file, error, emptyBatch());
      return false;
    }
    const prefix = emptyBatch();
    const add = (record: RecordingRecord) => addToBatch(prefix, record, serializeRecord(record));
    const recv = file.opened ? this.#now() : file.intro.recv;
    if (!file.opened || repair.size === 0) add(this.#header(file.symbol, file.day, recv));
    if (!file.opened) {
      file.opened = true;
      file.countsCoverFile = !repair.existed;
      if (repair.cut > 0) {
        this.#stats.tailsRepaired++;
        this.#log("warn", `Cut ${repair.cut} bytes of a torn gzip member from ${file.disk.path}`);
      }
      if (repair.existed) {
        const crash = repair.cut > 0;
        const detail = crash
          ? `cut ${repair.cut} bytes of an incomplete gzip member`
          : "a new process appends to this file";
        add(this.#gap(crash ? "crash" : "restart", repair.lastUpdateId, detail, recv));
      }
      if (file.intro.book) add(file.intro.book);
      else if (!repair.existed && file.intro.startGap) {
        const detail = "no book known when the file began";
        add(this.#gap("start", file.intro.lastUpdateId, detail, recv));
      }
    } else if (repair.size === 0) {
      file.counts = emptyCounts();
      file.countsCoverFile = true;
    }
    file.status = "open";
    file.batch = concatBatches(prefix, file.batch);
    this.#stats.pendingBytes += prefix.chars;
    return true;
  }

  #header(symbol: string, day: string, recv = this.#now()): HeaderRecord {
    return {
      type: "header",
      format: FORMAT_VERSION,
      exchange: "binance",
      market: "spot",
      symbol,
      date: day,
      collector: this.#options.collectorVersion,
      recv,
      stream: this.#options.streamName(symbol),
    };
  }

  /** Repairs and writes the manifest of every past day a previous process left unfinished. */
  async #finishPastDays(): Promise<void> {
    const days = await findUnfinishedDays(this.#dataDir, utcDay(this.#now()));
    let previous = Promise.resolve();
    for (const day of days) {
      const run = previous.then(async () => {
        const crashLines = (detail: string, lastUpdateId: number | null) => {
          const header = this.#header(day.symbol, day.day);
          const gap = this.#gap("crash", lastUpdateId, detail);
          return [serializeRecord(header), serializeRecord(gap)];
        };
        const done = await finishUnfinishedDay(day, crashLines);
        if (done.cut > 0) this.#stats.tailsRepaired++;
        this.#stats.manifestsWritten++;
        this.onFileFinished?.({
          path: day.path,
          manifestPath: done.manifestPath,
          symbol: day.symbol,
          date: day.day,
        });
      }).catch((error) => {
        this.#log("error", `Cannot finish ${day.path}: ${message(error)}`);
      });
      previous = run;
      this.#unfinished.set(day.path, run);
      this.#background.add(run);
      run.finally(() => {
        this.#background.delete(run);
        this.#unfinished.delete(day.path);
      });
    }
  }

  #log(level: LogLevel, text: string, fields?: Record<string, unknown>): void {
    this.#options.log?.(level, text, fields);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function removeIfExists(relative: string, dataDir: string): Promise<void> {
  try {
    await Deno.remove(`${dataDir}/${relative}`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
