/**
 * Test helpers for the storage tests: the real BTCUSDT events (both recorded days) with the
 * matching REST snapshot, and readers that check files the way standard tools read them.
 *
 * @module
 */
import { gunzipSync } from "node:zlib";
import { loadRawRecording, sharedDataPath } from "../../lib/recording/raw_recording.ts";
import { asDepthUpdate } from "../../lib/binance/parse.ts";
import type { DepthSnapshot, DepthUpdate } from "../../lib/binance/types.ts";
import { firstDifference, OrderBook } from "../../lib/book/order_book.ts";
import type { Recorder } from "../../lib/storage/recorder.ts";
import { depthUpdateRecord } from "../../lib/recording/records.ts";

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

/** Feeds the real BTCUSDT events to a recorder the way a collector would, with an in-sync book. */
export class FeedWriter {
  /** The collector's book (in sync once the REST snapshot is written). */
  readonly book = new OrderBook();
  #feed: BtcusdtFeed;
  #next = 0;
  #inSync = false;
  #baseE: number;
  #symbol: string;

  /** Event times are moved to start at `baseE` (keep them inside one day unless testing rotation). */
  constructor(feed: BtcusdtFeed, options: { baseE?: number; symbol?: string } = {}) {
    this.#feed = feed;
    this.#baseE = options.baseE ?? Date.UTC(2025, 5, 25, 12, 0, 0);
    this.#symbol = options.symbol ?? "BTCUSDT";
  }

  /** Events written so far. */
  get written(): number {
    return this.#next;
  }

  /** The book when in sync, else `null` (what the recorder's `book` callback returns). */
  readonly current = (): DepthSnapshot | null => this.#inSync ? this.book.snapshot() : null;

  /** Writes the next `count` events (and the REST snapshot where it arrives); false at the end. */
  write(recorder: Recorder, count: number): boolean {
    const events = this.#feed.events;
    for (let j = 0; j < count && this.#next < events.length; j++) {
      const event = events[this.#next++]!;
      const E = this.#baseE + (event.E - events[0]!.E);
      const recv = E + 3;
      if (this.#next === 3) {
        const rest = { type: "snapshot", recv, ...this.#feed.snapshot, source: "rest" } as const;
        recorder.write(this.#symbol, rest, this.current);
        this.book.reset(this.#feed.snapshot);
        this.#inSync = true;
      }
      recorder.write(this.#symbol, depthUpdateRecord({ ...event, E }, recv), this.current);
      if (this.#inSync && event.u > this.book.lastUpdateId) this.book.apply(event);
    }
    return this.#next < events.length;
  }
}

/** What {@linkcode replayRecords} found. */
export interface ReplayResult {
  applied: number;
  /** Events met while out of sync (after a gap, before the next snapshot). */
  skipped: number;
  gaps: string[];
  /** The replayed book at the end, or null when out of sync. */
  book: DepthSnapshot | null;
}

/**
 * Replays records by Binance's rules (docs/FORMAT.md): throws on a discontinuity no gap
 * announced, or on a snapshot that differs from the replayed book at the same id.
 */
export function replayRecords(records: Record<string, unknown>[]): ReplayResult {
  const result: ReplayResult = { applied: 0, skipped: 0, gaps: [], book: null };
  let book: OrderBook | null = null;
  let bridged = false;
  for (const [i, r] of records.entries()) {
    if (r.type === "gap") {
      result.gaps.push(r.reason as string);
      book = null;
    } else if (r.type === "snapshot") {
      const snapshot = r as unknown as DepthSnapshot;
      if (book !== null && book.lastUpdateId === snapshot.lastUpdateId) {
        const diff = firstDifference(book.snapshot(), snapshot);
        if (diff) throw new Error(`Record ${i}: snapshot differs from the book: ${diff}`);
      } else if (book !== null && r.source === "book") {
        throw new Error(
          `Record ${i}: book snapshot at ${snapshot.lastUpdateId}, book at ${book.lastUpdateId}`,
        );
      } else {
        book = new OrderBook(snapshot);
        bridged = false;
      }
    } else if (r.type === "depthUpdate") {
      const U = r.U as number;
      const u = r.u as number;
      if (book === null) {
        result.skipped++;
        continue;
      }
      if (u <= book.lastUpdateId) continue;
      const ok = bridged ? U === book.lastUpdateId + 1 : U <= book.lastUpdateId + 1;
      if (!ok) throw new Error(`Record ${i}: U=${U} does not continue ${book.lastUpdateId}`);
      book.apply(r as never);
      bridged = true;
      result.applied++;
    }
  }
  result.book = book?.snapshot() ?? null;
  return result;
}

/** Mounts a tmpfs (needs root); returns false when mounting is not possible here. */
export async function mountTmpfs(dir: string, options: string): Promise<boolean> {
  try {
    const { code } = await run("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
    return code === 0;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false; // no `mount` here
    throw error;
  }
}

/** How long {@linkcode unmount} waits for the last handles under the mount to close. */
const UNMOUNT_WAIT_MS = 5_000;

/**
 * Unmounts what {@linkcode mountTmpfs} mounted. While the mount is busy, waits (up to 5 s) until
 * no process holds anything under it, then tries again. If it stays busy, the mount is detached
 * lazily (so nothing stays mounted) and the error names what still holds it.
 */
export async function unmount(dir: string): Promise<void> {
  const deadline = performance.now() + UNMOUNT_WAIT_MS;
  while (true) {
    const { code, out } = await run("umount", [dir]);
    if (code === 0) return;
    if (!/busy/i.test(out)) throw new Error(`umount ${dir} failed: ${out.trim()}`);
    const holders = await waitForNoHolders(dir, deadline);
    if (performance.now() < deadline) continue;
    const lazy = await run("umount", ["-l", dir]);
    const detached = lazy.code === 0 ? "detached lazily" : `umount -l failed: ${lazy.out.trim()}`;
    const what = holders.length > 0 ? `open under it: ${holders.join(", ")}` : "no holder seen";
    throw new Error(`umount ${dir}: busy for ${UNMOUNT_WAIT_MS} ms (${detached}); ${what}`);
  }
}

/**
 * Polls (every 10 ms, at least once) until no process holds a path under `dir` or the deadline
 * passes; returns the holders seen last.
 */
async function waitForNoHolders(dir: string, deadline: number): Promise<string[]> {
  while (true) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const holders = pathsHeldUnder(dir);
    if (holders.length === 0 || performance.now() >= deadline) return holders;
  }
}

/**
 * Open files and working directories under `dir`, of every process (from `/proc`), as
 * `<pid> <what> -> <path>`. Processes that exit meanwhile are skipped.
 */
export function pathsHeldUnder(dir: string): string[] {
  const held: string[] = [];
  const inside = (path: string) => path === dir || path.startsWith(`${dir}/`);
  for (const proc of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(proc.name)) continue;
    const links = [`/proc/${proc.name}/cwd`];
    try {
      for (const fd of Deno.readDirSync(`/proc/${proc.name}/fd`)) {
        links.push(`/proc/${proc.name}/fd/${fd.name}`);
      }
    } catch {
      // Exited, or not ours to read.
    }
    for (const link of links) {
      try {
        const target = Deno.readLinkSync(link);
        if (inside(target)) held.push(`${link.slice(6)} -> ${target}`);
      } catch {
        // Closed or exited meanwhile.
      }
    }
  }
  return held;
}

/** Cleanup steps for {@linkcode withCleanup}, run last-added first. */
export class Cleanup {
  #steps: (() => unknown)[] = [];

  /** Adds a step; it runs even if the test body or an earlier step fails. */
  defer(step: () => unknown): void {
    this.#steps.push(step);
  }

  /** Runs every step (last-added first); returns the errors they threw. */
  async run(): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    return errors;
  }
}

/**
 * Runs `body`, then its cleanup steps. A failure of the body is what is thrown: cleanup errors
 * after it are only printed, so they never hide the test's own failure. If only cleanup fails,
 * its error is thrown.
 */
export async function withCleanup<T>(body: (cleanup: Cleanup) => Promise<T>): Promise<T> {
  const cleanup = new Cleanup();
  let result: T;
  try {
    result = await body(cleanup);
  } catch (error) {
    for (const secondary of await cleanup.run()) {
      console.error("Cleanup also failed, after the test's own failure:", secondary);
    }
    throw error;
  }
  const errors = await cleanup.run();
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, "Cleanup failed");
  return result;
}

/**
 * Mounts a tmpfs on `dir` and defers its unmount to `cleanup` (add steps that close what was
 * opened under it afterwards, so that they run first). Throws if it cannot be mounted: writing a
 * test's "full disk" into the real temporary directory must not happen.
 */
export async function mountTmpfsUntilCleanup(
  cleanup: Cleanup,
  dir: string,
  options: string,
): Promise<void> {
  if (!(await mountTmpfs(dir, options))) throw new Error(`Cannot mount a tmpfs on ${dir}`);
  cleanup.defer(() => unmount(dir));
}
