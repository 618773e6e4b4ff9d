/**
 * Rebuilds one symbol's book from its day files and turns it into rows: the top N levels per side
 * after every applied event, or on a time grid of exchange time `E`. Uses {@linkcode DepthSync}
 * (Binance's rules); emits nothing while out of sync, and flags the first row after a resync.
 *
 * @module
 */
import type { DepthUpdate, PriceLevel } from "../binance/types.ts";
import { DepthSync } from "../book/depth_sync.ts";
import type { RecordingFile } from "../verify/find_recordings.ts";
import { parseLine, readRecordLines } from "../recording/record_lines.ts";
import { levelsProblem, type ParsedRecord } from "../recording/record_parse.ts";

/** One output row: the book's best `depth` levels at `time`. */
export interface BookRow {
  /** Exchange time (epoch ms): the event's `E`, or the grid time when sampling. */
  time: number;
  /** The book's last update id. */
  updateId: number;
  /** True on the first row after the book was rebuilt from a snapshot following a loss of sync. */
  resync: boolean;
  bids: PriceLevel[];
  asks: PriceLevel[];
}

/** Options of {@linkcode replayBookRows}. */
export interface ReplayOptions {
  /** Levels per side. */
  depth: number;
  /** `"event"`: a row after each applied event; a number: a row every this many ms of `E`. */
  every: "event" | number;
  /** Only rows with `time >= from` (epoch ms). */
  from?: number;
  /** Only rows with `time < to` (epoch ms). */
  to?: number;
  /**
   * Called for every line or damage replay had to skip (bad lines, levels that cannot be applied,
   * torn gzip), with the file and line. Replay never throws on a file's content: it skips, loses
   * sync where the book cannot be trusted, and goes on.
   */
  onSkip?: (message: string) => void;
}

const DAY_MS = 86_400_000;

/** Streams rows, in batches, from `files` (one symbol, in date order). */
export async function* replayBookRows(
  files: readonly RecordingFile[],
  options: ReplayOptions,
): AsyncGenerator<BookRow[]> {
  const { depth, every } = options;
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  const sync = new DepthSync();
  /** Update id when sync was last lost, `null` if events may be missing since. */
  let lostAt: number | null = null;
  let emitted = false;
  let resyncDue = false;
  let nextGrid: number | null = null;
  /** The grid position kept over a loss of sync that may turn out seamless (a new day file). */
  let savedGrid: number | null = null;
  let lastE: number | null = null;
  let done = false;
  let rows: BookRow[] = [];

  const row = (time: number, levels = sync.book.top(depth), updateId = sync.book.lastUpdateId) => {
    if (time >= to) {
      done = true;
      return;
    }
    if (time < from) return;
    rows.push({ time, updateId, resync: resyncDue && emitted, ...levels });
    resyncDue = false;
    emitted = true;
  };
  const lose = (exact: boolean) => {
    if (sync.inSync) {
      lostAt = exact ? sync.book.lastUpdateId : null;
      savedGrid = exact ? nextGrid : null;
    } else if (!exact) lostAt = null;
    sync.desync();
    nextGrid = null;
  };
  const synced = (snapshotId: number, time: number | null) => {
    const seamless = lostAt !== null && snapshotId === lostAt;
    if (!seamless) resyncDue = true;
    lostAt = null;
    if (seamless && every !== "event") nextGrid = savedGrid;
    if (time === null) return;
    if (every === "event") row(time);
    else nextGrid = Math.ceil(time / every) * every;
  };

  /** The file being read, and whether no line of it was taken yet. */
  let path = "";
  let firstLine = true;
  const skip = (line: number, message: string) => options.onSkip?.(`${path}:${line}: ${message}`);
  /** One checked record of line `line` of the file at `path`. */
  const handle = (r: ParsedRecord, line: number) => {
    if (r.type === "header") {
      lose(firstLine); // a new day file may continue the book at the same id
    } else if (r.type === "gap") {
      lose(false);
    } else if (r.type === "snapshot") {
      if (sync.inSync) {
        // A checkpoint: as after any snapshot, the next event may bridge the book (the
        // collector switched to a connection that batches differently).
        if (r.source === "book" && r.lastUpdateId === sync.book.lastUpdateId) {
          sync.onSnapshot(r);
        }
        return;
      }
      const outcome = sync.onSnapshot(r);
      if (outcome.kind === "synced") {
        synced(r.lastUpdateId, outcome.applied > 0 ? lastE : null);
      }
    } else if (r.type === "depthUpdate") {
      const ev = r as unknown as DepthUpdate;
      const invalid = levelsProblem(ev.b) ?? levelsProblem(ev.a);
      if (invalid !== undefined) {
        skip(line, `Event cannot be applied: ${invalid}`);
        lose(false);
        return;
      }
      const E = ev.E;
      lastE = E;
      if (!sync.inSync) {
        sync.onEvent(ev);
        return;
      }
      const first = sync.book.lastUpdateId;
      // Grid rows before this event show the book before it, once it is known to apply.
      const pending = nextGrid !== null && nextGrid < E ? sync.book.top(depth) : null;
      const outcome = sync.onEvent(ev);
      if (outcome.kind === "gap") {
        lostAt = null;
        nextGrid = null;
        return;
      }
      if (outcome.kind !== "applied") return;
      if (every === "event") row(E);
      else if (nextGrid === null) nextGrid = Math.ceil(E / every) * every;
      else if (pending !== null) {
        for (; nextGrid < E && !done; nextGrid += every) row(nextGrid, pending, first);
      }
    }
  };

  for (const file of files) {
    if (done) break;
    if (Date.parse(`${file.date}T00:00:00Z`) + DAY_MS <= from) continue;
    firstLine = true;
    path = file.path;
    for await (const batch of readRecordLines(file.path)) {
      if (batch.kind === "member") continue;
      if (batch.kind === "damage") {
        options.onSkip?.(`${path}: ${batch.message}`);
        lose(false);
        break;
      }
      for (let i = 0; i < batch.lines.length; i++) {
        const item = parseLine(batch, i);
        if (item.error !== undefined) {
          skip(item.line, item.error);
          continue;
        }
        try {
          handle(item.record, item.line);
        } catch (error) {
          // Not expected (every value is checked before use), but the book cannot be trusted.
          skip(item.line, `Line cannot be replayed: ${(error as Error).message}`);
          lose(false);
        }
        firstLine = false;
        if (done) break;
      }
      if (rows.length > 0) {
        yield rows;
        rows = [];
      }
      if (done) break;
    }
  }
  if (rows.length > 0) yield rows;
}
