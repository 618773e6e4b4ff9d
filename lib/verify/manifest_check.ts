/**
 * Compares a day file with its manifest (`<day>_dom.manifest.json`, see `docs/FORMAT.md`).
 *
 * @module
 */
import type { FileReport, ManifestCheck } from "./report.ts";

/** Checks the manifest at `path` against what verify counted and the file's SHA-256. */
export async function checkManifest(
  path: string,
  report: FileReport,
  sha256: string,
): Promise<ManifestCheck> {
  const mismatches: string[] = [];
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(await Deno.readTextFile(path));
    if (typeof m !== "object" || m === null) throw new SyntaxError("not an object");
  } catch (error) {
    return { path, mismatches: [`cannot read ${path}: ${(error as Error).message}`] };
  }
  const name = report.path.slice(report.path.lastIndexOf("/") + 1);
  const expected: Record<string, unknown> = {
    file: name,
    symbol: report.symbol,
    date: report.date,
    bytes: report.bytes,
    sha256,
    firstUpdateId: report.firstUpdateId,
    lastUpdateId: report.lastUpdateId,
    events: report.events,
    snapshots: report.snapshots.rest + report.snapshots.book,
    gaps: report.gaps.length,
  };
  for (const [key, value] of Object.entries(expected)) {
    if (m[key] !== value) {
      mismatches.push(
        `${key}: manifest ${JSON.stringify(m[key])} vs file ${JSON.stringify(value)}`,
      );
    }
  }
  return { path, mismatches };
}
