/**
 * Running counts of what a day file holds (depth updates, snapshots, gaps, update-id range): kept
 * while writing and rebuilt from a file's lines when a file was written by several processes.
 *
 * @module
 */

/** What a day file holds, as its manifest reports it. */
export interface RecordCounts {
  /** `U` of the first `depthUpdate`, or `null` when there is none. */
  firstUpdateId: number | null;
  /** `u` of the last `depthUpdate`, or `null` when there is none. */
  lastUpdateId: number | null;
  /** Number of `depthUpdate` records. */
  events: number;
  /** Number of `snapshot` records. */
  snapshots: number;
  /** Number of `gap` records. */
  gaps: number;
}

/** Counts of an empty file. */
export function emptyCounts(): RecordCounts {
  return { firstUpdateId: null, lastUpdateId: null, events: 0, snapshots: 0, gaps: 0 };
}

/** Adds `more` (what came later) to `into`. */
export function addCounts(into: RecordCounts, more: RecordCounts): void {
  if (into.firstUpdateId === null) into.firstUpdateId = more.firstUpdateId;
  if (more.lastUpdateId !== null) into.lastUpdateId = more.lastUpdateId;
  into.events += more.events;
  into.snapshots += more.snapshots;
  into.gaps += more.gaps;
}

const UPDATE_IDS = /"U":(\d+),"u":(\d+)/;

/** Counts the records of JSON lines (as the recorder writes them: `type` first). */
export function countLines(text: string, into: RecordCounts): void {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (line.startsWith('{"type":"depthUpdate"')) {
      into.events++;
      const ids = UPDATE_IDS.exec(line);
      if (ids) {
        into.firstUpdateId ??= Number(ids[1]);
        into.lastUpdateId = Number(ids[2]);
      }
    } else if (line.startsWith('{"type":"snapshot"')) {
      into.snapshots++;
    } else if (line.startsWith('{"type":"gap"')) {
      into.gaps++;
    }
  }
}
