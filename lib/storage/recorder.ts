/**
 * The recorder: what `collector run` accepts reaches disk here, as one self-contained, crash-safe
 * gzip file per symbol per UTC day (see `docs/FORMAT.md`).
 *
 * `write()` is synchronous and cheap: it routes the record to its symbol's day file (rotating at
 * UTC midnight by event time), serializes it and appends the line to the file's batch. The
 * {@linkcode FilePipeline} turns batches into complete gzip members off the hot path, at least
 * every `flushIntervalMs` and whenever a batch reaches `maxMemberBytes`.
 *
 * @module
 */
import type { DepthSnapshot, StreamKind } from "../binance/types.ts";
import { addToBatch } from "./batch.ts";
import { type Logger, silentLogger } from "../util/log.ts";
import { isSymbol } from "../util/symbol.ts";
import { DataDirLock } from "./data_dir_lock.ts";
import { FilePipeline } from "./file_pipeline.ts";
import { RecordFactory } from "../recording/record_factory.ts";
import {
  type GapReason,
  recordDayTime,
  type RecordingRecord,
  recordLastId,
  serializeRecord,
  type SnapshotRecord,
  utcDay,
} from "../recording/records.ts";
import type {
  FileFinishedInfo,
  FileLoss,
  FileState,
  RecorderOptions,
  RecorderStats,
  SymbolState,
} from "./recorder_types.ts";

export { DataDirLockedError } from "./data_dir_lock.ts";
export type { FileFinishedInfo, RecorderOptions, RecorderStats } from "./recorder_types.ts";

/** A file of a past day that received nothing for this long is finished (its symbol went quiet). */
const IDLE_FINISH_MS = 10 * 60_000;

/** Key of a symbol's stream in the recorder's map. */
function stateKey(symbol: string, stream: StreamKind): string {
  return stream === "depth" ? symbol : `${symbol}@${stream}`;
}

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
  readonly #bytesBySymbol = new Map<string, number>();
  /** Called after a day file is finished and its manifest written (e.g. for an `onRotate` hook). */
  onFileFinished?: (info: FileFinishedInfo) => void;

  readonly #log: Logger;
  readonly #now: () => number;
  readonly #flushIntervalMs: number;
  readonly #maxMemberBytes: number;
  readonly #maxPendingBytes: number;
  readonly #checkpointMs: number;
  readonly #lock: DataDirLock;
  readonly #records: RecordFactory;
  readonly #pipeline: FilePipeline;
  readonly #symbols = new Map<string, SymbolState>();
  readonly #timer: ReturnType<typeof setInterval>;
  #closed = false;

  private constructor(options: RecorderOptions, lock: DataDirLock) {
    this.#log = options.log ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.#maxMemberBytes = options.maxMemberBytes ?? 1024 * 1024;
    this.#maxPendingBytes = options.maxPendingBytes ?? 256 * 1024 * 1024;
    this.#checkpointMs = options.checkpointIntervalMs ?? 0;
    this.#lock = lock;
    this.#records = new RecordFactory(options.collectorVersion, {
      streamName: options.streamName,
      now: this.#now,
      market: options.market ?? "spot",
    });
    this.#pipeline = new FilePipeline({
      dataDir: options.dataDir.replace(/\/+$/, "") || "/",
      fsync: options.fsync ?? true,
      flushIntervalMs: this.#flushIntervalMs,
      records: this.#records,
      stats: this.#stats,
      bytesBySymbol: this.#bytesBySymbol,
      log: this.#log,
      beforeWrite: options.beforeWrite,
      onLost: (file, lost) => this.#lost(file, lost),
      onFinished: (info) => this.onFileFinished?.(info),
    });
    this.#timer = setInterval(() => this.#tick(), this.#flushIntervalMs);
  }

  /** Takes the data directory's lock (or throws `DataDirLockedError`) and starts recording. */
  static async open(options: RecorderOptions): Promise<Recorder> {
    for (const [name, value] of Object.entries(options)) {
      if ((name.endsWith("Ms") || name.endsWith("Bytes")) && value !== undefined) {
        const min = name === "flushIntervalMs" ? 1 : 0;
        if (typeof value !== "number" || !(value >= min)) {
          throw new RangeError(`Invalid ${name} ${value}: expected a number >= ${min}`);
        }
      }
    }
    const lock = await DataDirLock.acquire(options.dataDir);
    const recorder = new Recorder(options, lock);
    try {
      await recorder.#pipeline.finishPastDays(utcDay(recorder.#now()));
    } catch (error) {
      await recorder.#stop();
      throw error;
    }
    return recorder;
  }

  /** Counters since the recorder opened. */
  get stats(): RecorderStats {
    let filesOpen = 0;
    for (const file of this.#pipeline.files) if (file.disk.isOpen) filesOpen++;
    return { ...this.#stats, filesOpen };
  }

  /** Compressed bytes written since the recorder opened, per symbol (a live view). */
  get bytesBySymbol(): ReadonlyMap<string, number> {
    return this.#bytesBySymbol;
  }

  /**
   * Accepts one record of `symbol`'s `stream` (depth by default; each stream has its own day
   * files), in arrival order. Synchronous and cheap. `book` gives the symbol's in-sync book
   * before this record's event (or `null`; always `null` for streams other than depth); it is
   * called only at a day rotation, a checkpoint, or to resynchronize a file after records had to
   * be dropped.
   */
  write(
    symbol: string,
    record: RecordingRecord,
    book: () => DepthSnapshot | null,
    stream: StreamKind = "depth",
  ): void {
    if (this.#closed) throw new Error(`Recorder is closed: cannot write ${symbol}`);
    const s = this.#symbols.get(stateKey(symbol, stream)) ?? this.#addSymbol(symbol, stream);
    let snapshot: SnapshotRecord | null | undefined;
    const bookSnapshot = () =>
      snapshot === undefined ? (snapshot = this.#records.snapshot(book())) : snapshot;
    let file = s.file;
    // The day of an event is that of its exchange time (E; T for trades; recv for bookTickers).
    const time = recordDayTime(record);
    const sameDay = file !== null &&
      (time === null || (time >= file.dayStart && time < file.dayEnd));
    let day = sameDay ? file!.day : utcDay(time ?? record.recv);
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
    const id = recordLastId(record);
    if (id !== null) s.lastUpdateId = id;
    if (file.batch.chars >= this.#maxMemberBytes) this.#pipeline.schedule(file);
  }

  /** Writes everything accepted so far as complete members (and `fsync`s). */
  async flush(): Promise<void> {
    await this.#pipeline.flush();
  }

  /**
   * Clean stop: a final "book" snapshot per in-sync symbol, everything flushed, manifests for
   * finished days (before today), the lock released. Loses nothing.
   */
  async close(books?: (symbol: string) => DepthSnapshot | null): Promise<void> {
    if (this.#closed) return;
    const finals = new Map<SymbolState, SnapshotRecord | null>();
    for (const s of this.#symbols.values()) {
      const book = s.stream === "depth" ? books?.(s.symbol) ?? null : null;
      if (s.file) finals.set(s, this.#records.snapshot(book));
    }
    this.#closed = true;
    const today = utcDay(this.#now());
    for (const [s, book] of finals) {
      // Also a failing file: its last retry writes the gap of a loss still open, then the book.
      this.#pipeline.finish(s.file!, s.file!.day < today, { loss: this.#takeLoss(s), book });
      s.file = null;
    }
    await this.#stop();
  }

  async #stop(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#pipeline.drain();
    this.#lock.release();
  }

  #addSymbol(symbol: string, stream: StreamKind): SymbolState {
    if (!isSymbol(symbol) || symbol !== symbol.toUpperCase()) {
      throw new TypeError(`Invalid symbol "${symbol}": expected upper-case letters and digits`);
    }
    const s: SymbolState = {
      symbol,
      stream,
      file: null,
      minDay: "",
      lastUpdateId: null,
      gapDue: false,
      dropped: 0,
      dropReason: null,
      dropLastUpdateId: null,
      lastCheckpoint: -Infinity,
    };
    this.#symbols.set(stateKey(symbol, stream), s);
    return s;
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
      const what = s.stream === "depth" ? s.symbol : `${s.symbol} ${s.stream}`;
      this.#log.warn(`Dropping records of ${what}: ${reason}`, { symbol: s.symbol, reason });
    }
    s.dropped++;
    this.#stats.droppedRecords++;
  }

  /** The gap that replaces dropped records, then a book snapshot to resynchronize the file. */
  #writeDropGap(s: SymbolState, file: FileState, book: SnapshotRecord | null): void {
    const detail = `${s.dropped} records dropped`;
    this.#add(file, this.#records.gap(s.dropReason ?? "overflow", s.dropLastUpdateId, detail));
    if (book) this.#add(file, book);
    this.#log.info(`Recording ${s.symbol} again after ${detail}`, {
      symbol: s.symbol,
      reason: s.dropReason,
      dropped: s.dropped,
    });
    s.gapDue = false;
    s.dropped = 0;
    s.dropReason = null;
  }

  #startFile(s: SymbolState, day: string, book: SnapshotRecord | null, byGap: boolean): FileState {
    // A depth file without a book begins with a `start` gap; a file of another stream only when
    // nothing of the stream came before it (a new day's file continues the day before).
    const startGap = !byGap && (s.stream === "depth" || s.lastUpdateId === null);
    const intro = { recv: this.#now(), book, startGap, lastUpdateId: s.lastUpdateId };
    const file = this.#pipeline.create(s.symbol, day, intro, s.file, s.stream);
    s.file = file;
    s.minDay = day;
    return file;
  }

  /** Day rotation: the old file ends with the in-sync book, then is flushed, closed, manifested. */
  #rotateAway(s: SymbolState, file: FileState, book: SnapshotRecord | null): void {
    // Also a failing file: its last retry writes the gap of a loss still open, then the book.
    this.#pipeline.finish(file, true, { loss: this.#takeLoss(s), book });
  }

  /** The symbol's loss not yet marked by a gap, handed over with its file; none is due after. */
  #takeLoss(s: SymbolState): FileLoss | null {
    if (!s.gapDue) return null;
    const loss = {
      reason: s.dropReason ?? "overflow",
      lastUpdateId: s.dropLastUpdateId,
      records: s.dropped,
    };
    s.gapDue = false;
    s.dropped = 0;
    s.dropReason = null;
    return loss;
  }

  /**
   * Records of the symbol's current file were lost to a write error: a gap must follow. (Once a
   * file is handed over to be finished, the pipeline marks its losses itself.)
   */
  #lost(file: FileState, lost: number): void {
    const s = this.#symbols.get(stateKey(file.symbol, file.stream));
    if (s?.file !== file) return;
    if (!s.gapDue) s.dropReason = "write-error";
    s.gapDue = true;
    s.dropped += lost;
    s.dropLastUpdateId = file.lastUpdateId;
  }

  /** Every flush interval: flush what waits, retry failed files, finish quiet files of past days. */
  #tick(): void {
    const today = utcDay(this.#now());
    const idleTicks = IDLE_FINISH_MS / this.#flushIntervalMs;
    for (const file of this.#pipeline.files) {
      const s = this.#symbols.get(stateKey(file.symbol, file.stream));
      file.idleTicks = file.batch.lines.length > 0 ? 0 : file.idleTicks + 1;
      if (s?.file === file && file.day < today && file.idleTicks > idleTicks) {
        s.file = null;
        s.minDay = today;
        this.#pipeline.finish(file, true, { loss: this.#takeLoss(s), book: null });
      } else if (file.batch.lines.length > 0 || file.status === "failed") {
        this.#pipeline.schedule(file);
      }
    }
  }
}
