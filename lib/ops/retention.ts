/**
 * What the rotation hook has done, on disk, and local retention after it: a day file whose hook
 * succeeded gets a marker `<day>_dom.hooked` beside it (`<day>_trade.hooked` for a trade file, and
 * so on for every stream's files) ({@linkcode findUnhooked} lists the
 * finished files still without one); a sweep deletes the `.jsonl.gz`, its manifest and the marker
 * for every marked day older than `days` days (never today's or yesterday's). Files without a
 * marker (hook never ran, or failed) are never deleted.
 *
 * @module
 */
import { utcDay } from "../recording/records.ts";
import { exists } from "../util/exists.ts";
import { type Logger, silentLogger } from "../util/log.ts";

const DAY_MS = 86_400_000;
/** The stream part of a day file's name: `dom` (depth), `trade`, `aggTrade`, `bookTicker`. */
const TAG = "(dom|trade|aggTrade|bookTicker)";
const MARKER = new RegExp(`^(\\d{4}-\\d{2}-\\d{2})_${TAG}\\.hooked$`);
const MANIFEST = new RegExp(`^(\\d{4}-\\d{2}-\\d{2})_${TAG}\\.manifest\\.json$`);
const DAY_FILE = new RegExp(`^(.*[\\\\/])?(\\d{4}-\\d{2}-\\d{2})_${TAG}\\.jsonl\\.gz$`);

/** The marker of a day file: `…/2025-06-25_dom.jsonl.gz` → `…/2025-06-25_dom.hooked`, or `null`. */
export function hookedMarkerPath(file: string): string | null {
  const m = DAY_FILE.exec(file);
  return m ? `${m[1] ?? ""}${m[2]}_${m[3]}.hooked` : null;
}

/** Records that the hook succeeded for `file` (`<day>_dom.jsonl.gz`); returns the marker path. */
export async function markHooked(
  file: string,
  info: { command: readonly string[]; at: number },
): Promise<string> {
  const marker = hookedMarkerPath(file);
  if (marker === null) {
    throw new TypeError(`Invalid day file "${file}": expected <YYYY-MM-DD>_dom.jsonl.gz`);
  }
  const body = JSON.stringify({ hookedAt: new Date(info.at).toISOString(), command: info.command });
  await Deno.writeTextFile(marker, body + "\n");
  return marker;
}

/** Whether the hook succeeded for `file` (its marker exists). */
export async function isHooked(file: string): Promise<boolean> {
  const marker = hookedMarkerPath(file);
  return marker !== null && await exists(marker);
}

/**
 * The finished day files (those with a manifest) under every symbol folder of `dataDir` whose
 * hook has not succeeded (no marker), oldest day first.
 */
export async function findUnhooked(
  dataDir: string,
): Promise<Array<{ file: string; manifest: string }>> {
  const found: Array<{ day: string; file: string; manifest: string }> = [];
  for await (const dir of Deno.readDir(dataDir)) {
    if (!dir.isDirectory || dir.name.startsWith(".")) continue;
    const folder = `${dataDir}/${dir.name}`;
    const names = new Set<string>();
    for await (const entry of Deno.readDir(folder)) if (entry.isFile) names.add(entry.name);
    for (const name of names) {
      const m = MANIFEST.exec(name);
      const base = m && `${m[1]}_${m[2]}`;
      if (!m || names.has(`${base}.hooked`) || !names.has(`${base}.jsonl.gz`)) continue;
      found.push({
        day: m[1]!,
        file: `${folder}/${base}.jsonl.gz`,
        manifest: `${folder}/${name}`,
      });
    }
  }
  found.sort((a, b) => a.day.localeCompare(b.day) || a.file.localeCompare(b.file));
  return found.map(({ file, manifest }) => ({ file, manifest }));
}

/** Options of {@linkcode sweepRetention}. */
export interface RetentionOptions {
  /** Keep marked files this many whole days (1 or more): a day D goes once D < today − days. */
  days: number;
  /** Current time, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Where deletions and failures are logged. */
  logger?: Logger;
}

/** Checks a retention setting; throws a `RangeError` naming the value. */
export function checkRetentionDays(days: number): void {
  if (!Number.isInteger(days) || days < 1) {
    throw new RangeError(`Invalid retention ${days} days: expected a whole number of 1 or more`);
  }
}

async function removeIfPresent(path: string): Promise<boolean> {
  try {
    await Deno.remove(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Deletes, under every symbol folder of `dataDir`, the marked day files old enough; resolves to
 * the paths deleted. A failure on one day is logged and the sweep goes on.
 */
export async function sweepRetention(
  dataDir: string,
  options: RetentionOptions,
): Promise<string[]> {
  checkRetentionDays(options.days);
  const log = options.logger ?? silentLogger;
  const cutoff = utcDay((options.now ?? Date.now)() - options.days * DAY_MS);
  const deleted: string[] = [];
  for await (const dir of Deno.readDir(dataDir)) {
    if (!dir.isDirectory || dir.name.startsWith(".")) continue;
    const folder = `${dataDir}/${dir.name}`;
    const days: [day: string, tag: string][] = [];
    for await (const entry of Deno.readDir(folder)) {
      const m = entry.isFile ? MARKER.exec(entry.name) : null;
      if (m && m[1]! < cutoff) days.push([m[1]!, m[2]!]);
    }
    for (const [day, tag] of days.sort((a, b) => a.join().localeCompare(b.join()))) {
      const base = `${day}_${tag}`;
      const paths = [`${base}.jsonl.gz`, `${base}.manifest.json`, `${base}.hooked`]
        .map((name) => `${folder}/${name}`);
      try {
        // The marker goes last, so an interrupted sweep tries again next time.
        for (const path of paths) if (await removeIfPresent(path)) deleted.push(path);
        const what = `${dir.name} ${day}${tag === "dom" ? "" : ` ${tag}`}`;
        log.info(`retention deleted ${what}`, { symbol: dir.name, day });
      } catch (error) {
        log.error(`retention could not delete ${dir.name} ${day}`, {
          symbol: dir.name,
          day,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
  return deleted;
}
