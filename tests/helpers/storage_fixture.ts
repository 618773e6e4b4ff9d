/**
 * Test helpers for the storage tests: the real BTCUSDT events (both recorded days) with the
 * matching REST snapshot, and readers that check files the way standard tools read them.
 *
 * @module
 */
import { gunzipSync } from "node:zlib";
import { loadRawRecording, sharedDataPath } from "../../lib/binance/recording.ts";
import { asDepthUpdate } from "../../lib/binance/parse.ts";
import type { DepthSnapshot, DepthUpdate } from "../../lib/binance/types.ts";

/** The real BTCUSDT diff events of both files, in order, and the REST snapshot. */
export interface BtcusdtFeed {
  snapshot: DepthSnapshot;
  events: DepthUpdate[];
}

/** Loads the real BTCUSDT recording (both days). */
export async function loadBtcusdt(): Promise<BtcusdtFeed> {
  let snapshot: DepthSnapshot | undefined;
  const events: DepthUpdate[] = [];
  for (const day of ["20240808", "20240809"]) {
    for (const message of await loadRawRecording(sharedDataPath(`spot/btcusdt_${day}.gz`))) {
      if (message.kind === "snapshot") snapshot ??= message.snapshot;
      else if (message.frame.stream.endsWith("@depth@100ms")) {
        events.push(asDepthUpdate(message.frame.data));
      }
    }
  }
  if (snapshot === undefined) throw new Error("BTCUSDT recording has no snapshot");
  return { snapshot, events };
}

/** All records of a gzip JSON-lines file, decompressed with node:zlib (all members). */
export async function readRecords(path: string): Promise<Record<string, unknown>[]> {
  const text = new TextDecoder().decode(gunzipSync(await Deno.readFile(path)));
  if (text.length > 0 && !text.endsWith("\n")) throw new Error(`${path} does not end with "\\n"`);
  return text.split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line));
}

/** Runs a command; returns exit code and output. */
export async function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  const { code, stdout, stderr } = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const decoder = new TextDecoder();
  return { code, out: decoder.decode(stdout) + decoder.decode(stderr) };
}

const PYTHON_COUNT = `
import gzip, json, sys
for path in sys.argv[1:]:
    n = 0
    with gzip.open(path, "rt") as f:
        for line in f:
            json.loads(line)
            n += 1
    print(n)
`;

/**
 * Checks files with `gzip -t`, `zcat | wc -l` and Python's gzip+json; returns the line count of
 * each file as Python saw it (throws when a tool rejects a file or tools disagree).
 */
export async function checkWithStandardTools(paths: string[]): Promise<number[]> {
  if (paths.length === 0) return [];
  const gzip = await run("gzip", ["-t", ...paths]);
  if (gzip.code !== 0) throw new Error(`gzip -t failed: ${gzip.out}`);
  const python = await run("python3", ["-c", PYTHON_COUNT, ...paths]);
  if (python.code !== 0) throw new Error(`python3 failed: ${python.out}`);
  const counts = python.out.trim().split("\n").map(Number);
  for (const [i, path] of paths.entries()) {
    const zcat = await run("sh", ["-c", `zcat "$1" | wc -l`, "sh", path]);
    if (Number(zcat.out.trim()) !== counts[i]) {
      throw new Error(`zcat counts ${zcat.out.trim()} lines in ${path}, python ${counts[i]}`);
    }
  }
  return counts;
}

/** Day files (`*_dom.jsonl.gz`) under `dataDir`, sorted. */
export function dayFiles(dataDir: string): string[] {
  const out: string[] = [];
  for (const dir of Deno.readDirSync(dataDir)) {
    if (!dir.isDirectory) continue;
    for (const entry of Deno.readDirSync(`${dataDir}/${dir.name}`)) {
      if (entry.name.endsWith("_dom.jsonl.gz")) out.push(`${dataDir}/${dir.name}/${entry.name}`);
    }
  }
  return out.sort();
}
