/**
 * The depth day files of one symbol, as `replay` and `export` take them from their paths.
 *
 * @module
 */
import { UsageError } from "../util/errors.ts";
import { findRecordings, type RecordingFile } from "../verify/find_recordings.ts";

/**
 * The depth files under `paths` (files or directories), in date order; a {@linkcode UsageError}
 * naming `command` when there are none or they are of more than one symbol's directory.
 */
export async function oneSymbolDepthFiles(
  command: string,
  paths: readonly string[],
): Promise<RecordingFile[]> {
  const found = await findRecordings(paths);
  const files = found.filter((f) => f.stream === "depth");
  if (files.length === 0) {
    throw new UsageError(`${command} needs depth files (<day>_dom.jsonl.gz); none were given`);
  }
  const dirs = [...new Set(files.map((f) => f.dir))];
  if (dirs.length > 1) {
    throw new UsageError(
      `${command} reads one symbol's files, got ${dirs.length} directories: ${dirs.join(", ")}`,
    );
  }
  return files;
}
