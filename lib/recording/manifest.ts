/**
 * The manifest written beside a finished day file (`<day>_dom.manifest.json`): size, SHA-256 and
 * what the file holds, so an archive can be checked without decompressing it.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { FORMAT_VERSION } from "./records.ts";
import { readRecords } from "./record_reader.ts";
import { emptyCounts, recordCounter, type RecordCounts } from "./record_counts.ts";

/** Contents of a manifest file, fields in the documented order. */
export interface Manifest extends RecordCounts {
  format: typeof FORMAT_VERSION;
  /** File name of the day file, relative to the manifest's directory. */
  file: string;
  symbol: string;
  /** The UTC day, `YYYY-MM-DD`. */
  date: string;
  /** Size of the day file in bytes. */
  bytes: number;
  /** SHA-256 of the whole day file, lower-case hex. */
  sha256: string;
}

/**
 * Size and SHA-256 of a file, read as a stream; with `count`, also the counts of its records
 * (decompressing it, for files several processes wrote).
 */
export async function hashFile(
  path: string,
  options: { count?: boolean } = {},
): Promise<{ bytes: number; sha256: string; counts?: RecordCounts }> {
  const hash = createHash("sha256");
  let bytes = 0;
  const onRead = (chunk: Uint8Array) => {
    hash.update(chunk);
    bytes += chunk.length;
  };
  if (!options.count) {
    using file = await Deno.open(path);
    for await (const chunk of file.readable) onRead(chunk);
    return { bytes, sha256: hash.digest("hex") };
  }
  const counts = emptyCounts();
  for await (const _ of readRecords(path, recordCounter(counts), { scanner: true, onRead }));
  // The reader stops at damage: hash whatever it did not read.
  using file = await Deno.open(path);
  await file.seek(bytes, Deno.SeekMode.Start);
  for await (const chunk of file.readable) onRead(chunk);
  return { bytes, sha256: hash.digest("hex"), counts };
}

/** Writes `manifest` to `path` atomically (temporary file, then rename). */
export async function writeManifest(path: string, manifest: Manifest): Promise<void> {
  const ordered: Manifest = {
    format: manifest.format,
    file: manifest.file,
    symbol: manifest.symbol,
    date: manifest.date,
    bytes: manifest.bytes,
    sha256: manifest.sha256,
    firstUpdateId: manifest.firstUpdateId,
    lastUpdateId: manifest.lastUpdateId,
    events: manifest.events,
    snapshots: manifest.snapshots,
    gaps: manifest.gaps,
  };
  const tmp = `${path}.tmp`;
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
  try {
    await file.write(new TextEncoder().encode(JSON.stringify(ordered, null, 2) + "\n"));
    await file.syncData();
  } finally {
    file.close();
  }
  await Deno.rename(tmp, path);
}

/**
 * Builds and writes the manifest of a finished day file. `counts` are used when the caller knows
 * them for the whole file; otherwise the file is decompressed and counted.
 */
export async function finishDayFile(
  filePath: string,
  options: { symbol: string; date: string; counts?: RecordCounts | undefined },
): Promise<string> {
  const hashed = await hashFile(filePath, { count: options.counts === undefined });
  const { bytes, sha256 } = hashed;
  const counts = options.counts ?? hashed.counts ?? emptyCounts();
  const slash = filePath.lastIndexOf("/");
  const name = filePath.slice(slash + 1);
  const path = `${filePath.slice(0, slash + 1)}${name.replace(/\.jsonl\.gz$/, ".manifest.json")}`;
  await writeManifest(path, {
    format: FORMAT_VERSION,
    file: name,
    symbol: options.symbol,
    date: options.date,
    bytes,
    sha256,
    ...counts,
  });
  return path;
}
