/**
 * The recording files named on the command line: files, or directories searched recursively for
 * `*.jsonl.gz`, grouped by directory (one symbol) and taken in date order.
 *
 * @module
 */
import { InputError } from "../util/errors.ts";

/** A day file, with the symbol and day its path names. */
export interface RecordingFile {
  path: string;
  /** Parent directory's name, e.g. `BTCUSDT`. */
  symbol: string;
  /** `YYYY-MM-DD` from the file name. */
  date: string;
  /** Directory holding it: files of one directory form one symbol's sequence of days. */
  dir: string;
  bytes: number;
}

const NAME = /^(\d{4}-\d{2}-\d{2})_dom\.jsonl\.gz$/;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function fileOf(path: string, bytes: number): RecordingFile {
  const slash = path.lastIndexOf("/");
  const name = path.slice(slash + 1);
  const dir = slash < 0 ? "." : path.slice(0, slash) || "/";
  const match = NAME.exec(name);
  const date = match?.[1];
  if (date === undefined || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw new InputError(
      `File "${path}" is not a recording: expected a name like 2025-06-25_dom.jsonl.gz`,
    );
  }
  const symbol = dir.slice(dir.lastIndexOf("/") + 1);
  return { path, symbol, date, dir, bytes };
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

/**
 * Expands `paths` into recording files, grouped by directory and sorted by date. Throws
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
    .sort((a, b) => a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : a.date < b.date ? -1 : 1);
}

/** True when day `b` is the UTC day after day `a`. */
export function isNextDay(a: string, b: string): boolean {
  return Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`) === 86_400_000;
}

/** True when `b` is the day after `a` in the same directory: `b` should continue `a`'s book. */
export function followsDay(a: RecordingFile, b: RecordingFile): boolean {
  return a.dir === b.dir && isNextDay(a.date, b.date);
}
