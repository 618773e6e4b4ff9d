/**
 * The recording files named on the command line: files, or directories searched recursively for
 * `*.jsonl.gz`, grouped by directory (one symbol), then by stream (depth first), in date order.
 *
 * @module
 */
import { STREAM_KINDS, type StreamKind } from "../binance/types.ts";
import { DAY_FILE_NAME, streamKindOfTag } from "../recording/records.ts";
import { InputError } from "../util/errors.ts";

/** A day file, with the symbol and day its path names. */
export interface RecordingFile {
  path: string;
  /** Parent directory's name, e.g. `BTCUSDT`. */
  symbol: string;
  /** `YYYY-MM-DD` from the file name. */
  date: string;
  /** The stream its name says it holds: `_dom` depth, `_trade`, `_aggTrade`, `_bookTicker`. */
  stream: StreamKind;
  /** Directory holding it: files of one directory form one symbol's sequence of days. */
  dir: string;
  bytes: number;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function fileOf(path: string, bytes: number): RecordingFile {
  const slash = path.lastIndexOf("/");
  const name = path.slice(slash + 1);
  const dir = slash < 0 ? "." : path.slice(0, slash) || "/";
  const match = DAY_FILE_NAME.exec(name);
  const date = match?.[1];
  const stream = streamKindOfTag(match?.[2] ?? "");
  if (date === undefined || stream === null || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw new InputError(
      `File "${path}" is not a recording: expected a name like 2025-06-25_dom.jsonl.gz ` +
        "(or _trade, _aggTrade, _bookTicker)",
    );
  }
  const symbol = dir.slice(dir.lastIndexOf("/") + 1);
  return { path, symbol, date, stream, dir, bytes };
}

async function walk(dir: string, out: RecordingFile[]): Promise<void> {
  const entries: Deno.DirEntry[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) entries.push(entry);
  } catch (error) {
    throw new InputError(`Cannot read directory "${dir}": ${describe(error)}`);
  }
  for (const entry of entries) {
    const path = `${dir.replace(/\/+$/, "")}/${entry.name}`;
    if (entry.isDirectory) await walk(path, out);
    else if (entry.isFile && entry.name.endsWith(".jsonl.gz")) {
      out.push(fileOf(path, (await Deno.stat(path)).size));
    }
  }
}

function compareFiles(a: RecordingFile, b: RecordingFile): number {
  if (a.dir !== b.dir) return a.dir < b.dir ? -1 : 1;
  const byStream = STREAM_KINDS.indexOf(a.stream) - STREAM_KINDS.indexOf(b.stream);
  if (byStream !== 0) return byStream;
  return a.date < b.date ? -1 : a.date > b.date ? 1 : 0;
}

/**
 * Expands `paths` into recording files, grouped by directory, then by stream (depth, trade,
 * aggTrade, bookTicker), sorted by date. Throws
 * `InputError` for a path that cannot be read, a file not named like a recording, or when nothing
 * is found.
 */
export async function findRecordings(paths: readonly string[]): Promise<RecordingFile[]> {
  const found: RecordingFile[] = [];
  for (const path of paths) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(path);
    } catch (error) {
      throw new InputError(`Cannot read "${path}": ${describe(error)}`);
    }
    if (info.isDirectory) {
      const before = found.length;
      await walk(path, found);
      if (found.length === before) {
        throw new InputError(`No recordings (*.jsonl.gz) under "${path}"`);
      }
    } else found.push(fileOf(path, info.size));
  }
  const seen = new Set<string>();
  return found
    .filter((f) => !seen.has(f.path) && seen.add(f.path))
    .sort(compareFiles);
}

/** True when day `b` is the UTC day after day `a`. */
export function isNextDay(a: string, b: string): boolean {
  return Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`) === 86_400_000;
}

/**
 * True when `b` is the day after `a` in the same directory and of the same stream: `b` should
 * continue `a`'s book (or ids).
 */
export function followsDay(a: RecordingFile, b: RecordingFile): boolean {
  return a.dir === b.dir && a.stream === b.stream && isNextDay(a.date, b.date);
}
