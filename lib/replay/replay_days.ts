/**
 * Reads one symbol's depth day files, in date order, through a {@linkcode RecordReplay}: each file
 * is told whether it follows the day before, every record goes to the replay (an unexpected throw
 * loses sync at its line instead of ending the read), and every skipped line, unusable event and
 * gzip damage is reported with its file and line. `replay` and `export` make their rows in the
 * listener; this is the one loop both read with.
 *
 * @module
 */
import { followsDay, type RecordingFile } from "../verify/find_recordings.ts";
import { readRecords, type RecordSink } from "../recording/record_reader.ts";
import type { SyncBook } from "../book/depth_sync.ts";
import type { RecordReplay, ReplayEvent, ReplayListener } from "../recording/record_replay.ts";

/** Options of {@linkcode replayDays}. */
export interface ReplayDaysOptions {
  /**
   * Called for every line or damage the replay had to skip (bad lines, levels that cannot be
   * applied, torn gzip), as `FILE:LINE: message` (`FILE: message` for damage).
   */
  onSkip?: (message: string) => void;
  /** Files not read at all (days before the wanted time); the next one does not follow them. */
  skipFile?: (file: RecordingFile) => boolean;
  /** True once the caller wants nothing more: reading stops and later lines are not reported. */
  done?: () => boolean;
}

/**
 * Replays `files` into `replay` with `listener`; yields after each block of records, so the
 * caller can hand on the rows its listener made, and ends the last file when done.
 */
export async function* replayDays<E extends ReplayEvent, B extends SyncBook<E>>(
  files: readonly RecordingFile[],
  replay: RecordReplay<E, B>,
  listener: ReplayListener<E>,
  options: ReplayDaysOptions = {},
): AsyncGenerator<void> {
  const done = options.done ?? (() => false);
  let path = "";
  const skip = (line: number, message: string) => options.onSkip?.(`${path}:${line}: ${message}`);
  const reporting: ReplayListener<E> = {
    ...listener,
    lost(loss) {
      listener.lost?.(loss);
      if (loss.cause === "invalid") skip(loss.line, `Event cannot be applied: ${loss.reason}`);
      if (loss.cause === "error") skip(loss.line, `Line cannot be replayed: ${loss.reason}`);
    },
  };
  const sink: RecordSink = {
    record(r, line) {
      if (done()) return;
      try {
        replay.record(r, line);
      } catch (error) {
        // Not expected (every value is checked before use), but the book cannot be trusted.
        replay.fail(line, error);
      }
    },
    bad(message, line) {
      if (!done()) skip(line, message);
    },
    damage(message) {
      options.onSkip?.(`${path}: ${message}`);
    },
  };
  let previous: RecordingFile | null = null;
  for (const file of files) {
    if (done()) break;
    if (options.skipFile?.(file)) continue;
    path = file.path;
    replay.startFile(reporting, { follows: previous !== null && followsDay(previous, file) });
    previous = file;
    for await (const _ of readRecords(file.path, sink)) {
      yield;
      if (done()) break;
    }
  }
  replay.endFile();
}
