/**
 * Turns one symbol's day files into rows of tardis.dev's `incremental_book_L2` shape: one row per
 * price level change. The rules are the one replay of `lib/recording/record_replay.ts` (over an
 * `OrderBook`, which keeps the exchange's strings); this only makes rows of what it reports. When
 * the book (re)syncs from a snapshot, the whole book is written as `is_snapshot` rows; the first of
 * them after a loss of sync has `gap` true, so a gap is never silently bridged. Events applied in
 * sync become one row per level of `b` and `a` (amount 0 removes the level).
 *
 * @module
 */
import type { PriceLevel } from "../binance/types.ts";
import type { RecordingFile } from "../verify/find_recordings.ts";
import type { DepthUpdateRecord } from "../recording/records.ts";
import { type ReplayListener, stringReplay } from "../recording/record_replay.ts";
import { replayDays } from "../replay/replay_days.ts";

/** One level change, as tardis.dev's `incremental_book_L2` plus the `gap` flag. */
export interface IncrementalRow {
  /** Exchange time, microseconds since epoch. */
  timestamp: number;
  /** Local receive time, microseconds since epoch. */
  localTimestamp: number;
  /** Part of a full book written after a (re)sync. */
  isSnapshot: boolean;
  side: "bid" | "ask";
  /** The exchange's decimal strings. */
  price: string;
  amount: string;
  /** True on the first snapshot row after a loss of sync (a gap, damage, a restart). */
  gap: boolean;
}

/** Options of {@linkcode incrementalRows}. */
export interface IncrementalOptions {
  /** Called for every line or damage replay skipped, with the file and line. */
  onSkip?: (message: string) => void;
}

const us = (ms: number) => Math.round(ms * 1000);

/** Streams rows, in batches, from `files` (one symbol, in date order). */
export async function* incrementalRows(
  files: readonly RecordingFile[],
  options: IncrementalOptions = {},
): AsyncGenerator<IncrementalRow[]> {
  const replay = stringReplay();
  let rows: IncrementalRow[] = [];
  let emitted = false;
  let lostSince = false;
  const listener: ReplayListener<DepthUpdateRecord> = {
    applied(ev) {
      const t = us(ev.E);
      const local = us(ev.recv);
      const push = (side: "bid" | "ask", [price, amount]: PriceLevel) =>
        rows.push({
          timestamp: t,
          localTimestamp: local,
          isSnapshot: false,
          side,
          price,
          amount,
          gap: false,
        });
      for (const level of ev.b) push("bid", level);
      for (const level of ev.a) push("ask", level);
    },
    synced({ snapshot, time, seamless }) {
      if (seamless) {
        lostSince = false;
        return;
      }
      const local = us(snapshot.recv);
      const t = time === null ? us(snapshot.E ?? snapshot.recv) : us(time);
      const book = replay.book.snapshot();
      let gap = emitted && lostSince;
      const push = (side: "bid" | "ask", price: string, amount: string) => {
        rows.push({
          timestamp: t,
          localTimestamp: local,
          isSnapshot: true,
          side,
          price,
          amount,
          gap,
        });
        gap = false;
      };
      for (const [p, q] of book.bids) push("bid", p, q);
      for (const [p, q] of book.asks) push("ask", p, q);
      emitted = true;
      lostSince = false;
    },
    lost() {
      lostSince = true;
    },
  };
  for await (const _ of replayDays(files, replay, listener, options)) {
    if (rows.length > 0) {
      yield rows;
      rows = [];
    }
  }
  if (rows.length > 0) yield rows;
}
