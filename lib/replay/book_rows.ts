/**
 * Rebuilds one symbol's book from its day files and turns it into rows: the top N levels per side
 * after every applied event, or on a time grid of exchange time `E`. The rules are the one replay
 * of `lib/recording/record_replay.ts` (over an `OrderBook`, which keeps the exchange's strings);
 * this only makes rows of what it reports: nothing while out of sync, and the first row after a
 * resync flagged.
 *
 * @module
 */
import type { PriceLevel } from "../binance/types.ts";
import type { RecordingFile } from "../verify/find_recordings.ts";
import type { DepthUpdateRecord } from "../recording/records.ts";
import { type ReplayListener, stringReplay } from "../recording/record_replay.ts";
import { replayDays } from "./replay_days.ts";

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
  const replay = stringReplay();
  let emitted = false;
  let resyncDue = false;
  let nextGrid: number | null = null;
  /** The grid position kept over the end of a file whose next day may continue it. */
  let savedGrid: number | null = null;
  /** Before an event that applies: the rows of grid times before it show the book before it. */
  let pending: { bids: PriceLevel[]; asks: PriceLevel[] } | null = null;
  let pendingId = 0;
  let done = false;
  let rows: BookRow[] = [];

  const book = () => replay.book;
  const row = (time: number, levels = book().top(depth), updateId = book().lastUpdateId) => {
    if (time >= to) {
      done = true;
      return;
    }
    if (time < from) return;
    rows.push({ time, updateId, resync: resyncDue && emitted, ...levels });
    resyncDue = false;
    emitted = true;
  };

  const listener: ReplayListener<DepthUpdateRecord> = {
    applying(ev) {
      pending = nextGrid !== null && nextGrid < ev.E ? book().top(depth) : null;
      pendingId = book().lastUpdateId;
    },
    applied(ev) {
      const E = ev.E;
      if (every === "event") row(E);
      else if (nextGrid === null) nextGrid = Math.ceil(E / every) * every;
      else if (pending !== null) {
        for (; nextGrid < E && !done; nextGrid += every) row(nextGrid, pending, pendingId);
      }
    },
    synced({ time, seamless }) {
      if (!seamless) resyncDue = true;
      if (seamless && every !== "event") nextGrid = savedGrid;
      if (time === null) return;
      if (every === "event") row(time);
      else nextGrid = Math.ceil(time / every) * every;
    },
    lost(loss) {
      savedGrid = loss.cause === "file" ? nextGrid : null;
      nextGrid = null;
    },
  };
  const days = replayDays(files, replay, listener, {
    ...(options.onSkip ? { onSkip: options.onSkip } : {}),
    skipFile: (file) => Date.parse(`${file.date}T00:00:00Z`) + DAY_MS <= from,
    done: () => done,
  });
  for await (const _ of days) {
    if (rows.length > 0) {
      yield rows;
      rows = [];
    }
  }
  if (rows.length > 0) yield rows;
}
