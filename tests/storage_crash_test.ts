import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readGzipMembers, validPrefixLength } from "../lib/recording/gzip_reader.ts";
import { firstDifference, OrderBook } from "../lib/book/order_book.ts";
import type { DepthSnapshot } from "../lib/binance/types.ts";
import {
  checkWithStandardTools,
  dayFiles,
  loadBtcusdt,
  readRecords,
} from "./helpers/storage_fixture.ts";

const HARNESS = new URL("./helpers/storage_writer_harness.ts", import.meta.url).pathname;
const KILLS = 22;

interface Harness {
  process: Deno.ChildProcess;
  /** Resolves with all of stdout once the process ends. */
  output: Promise<string>;
}

/** Starts the harness and waits until its recorder is open. */
async function startHarness(dataDir: string, feedPath: string): Promise<Harness> {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", HARNESS, dataDir, feedPath],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(process.stderr).text();
  const reader = process.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`Harness ended before it was ready: ${text}${await stderr}`);
    text += value;
  }
  assert.match(text, /^ready n=\d+/);
  const output = (async () => {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return text + (await stderr);
      text += value;
    }
  })();
  return { process, output };
}

/** Files whose end is not a complete member (a torn tail). */
async function tornFiles(dataDir: string): Promise<string[]> {
  const torn: string[] = [];
  for (const path of dayFiles(dataDir)) {
    const { validBytes, fileBytes } = await validPrefixLength(path);
    if (validBytes < fileBytes) torn.push(path);
  }
  return torn;
}

/** Tears the last file's tail as a crash mid-write would: part of a member, or zeros. */
async function tearTail(dataDir: string, run: number): Promise<void> {
  const path = dayFiles(dataDir).at(-1)!;
  const bytes = await Deno.readFile(path);
  let end = 0;
  for await (const event of readGzipMembers(path)) {
    if (event.kind === "member") {
      end = event.end;
      break;
    }
  }
  // Part of the file's first member; zeros when it has no complete member yet (a kill can land
  // just after a new day's file was created: part of nothing would append nothing).
  const tail = run % 2 === 0 && end > 1
    ? bytes.slice(0, 1 + Math.floor(Math.random() * (end - 1)))
    : new Uint8Array(1 + Math.floor(Math.random() * 4096));
  const file = await Deno.open(path, { append: true });
  await file.write(tail);
  file.close();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test({
  name:
    "Recorder survives SIGKILL at random moments: files readable, tails repaired, nothing lost twice",
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "storage_crash_" });
    const feedPath = await Deno.makeTempFile({ prefix: "storage_crash_feed_", suffix: ".json" });
    try {
      await Deno.writeTextFile(feedPath, JSON.stringify(await loadBtcusdt()));
      let torn = 0;
      for (let run = 0; run < KILLS; run++) {
        if (run > 0 && run % 3 === 0) await tearTail(dataDir, run);
        torn += (await tornFiles(dataDir)).length;
        const harness = await startHarness(dataDir, feedPath);
        await sleep(100 + Math.random() * 500);
        harness.process.kill("SIGKILL");
        const status = await harness.process.status;
        assert.equal(status.signal, "SIGKILL");
        await harness.output;
      }
      torn += (await tornFiles(dataDir)).length;
      const last = await startHarness(dataDir, feedPath);
      await sleep(300);
      last.process.kill("SIGTERM");
      assert.equal((await last.process.status).code, 0);
      const closed = /closed lastU=(\d+)/.exec(await last.output);
      assert.ok(closed, "harness closed cleanly");
      assert.deepEqual(await tornFiles(dataDir), [], "every torn tail was repaired");

      const paths = dayFiles(dataDir);
      assert.ok(paths.length >= 3, `runs crossed midnights (${paths.length} files)`);
      await checkWithStandardTools(paths);
      const files = await Promise.all(paths.map(readRecords));
      const all = files.flat();

      // No event duplicated, reordered or missing: the harness resumes after the last id on disk.
      const events = all.filter((r) => r.type === "depthUpdate");
      for (let i = 1; i < events.length; i++) {
        assert.equal(events[i]!.U, (events[i - 1]!.u as number) + 1, `event ${i} continues`);
      }
      assert.equal(events.at(-1)!.u, Number(closed[1]), "a clean stop loses nothing");

      // A gap per restart: every header after a file's first line is followed by one.
      const headers = all.filter((r) => r.type === "header").length;
      assert.ok(headers >= KILLS + 1, `a header per start (${headers})`);
      for (const records of files) {
        records.forEach((r, i) => {
          if (r.type !== "header" || i === 0) return;
          assert.equal(records[i + 1]!.type, "gap");
          assert.ok(["restart", "crash"].includes(records[i + 1]!.reason as string));
        });
      }
      const crashes = all.filter((r) => r.type === "gap" && r.reason === "crash").length;
      assert.equal(crashes, torn, `a crash gap per torn tail (${torn})`);
      assert.ok(torn >= Math.floor((KILLS - 1) / 3), "torn tails were tested");

      // Every snapshot equals the book replayed from the first one.
      const first = all.find((r) => r.type === "snapshot") as unknown as DepthSnapshot;
      const book = new OrderBook(first);
      for (const r of all) {
        if (r.type === "depthUpdate" && (r.u as number) > book.lastUpdateId) book.apply(r as never);
        if (r.type === "snapshot") {
          assert.equal(firstDifference(book.snapshot(), r as unknown as DepthSnapshot), undefined);
        }
      }
      assert.equal(files.at(-1)!.at(-1)!.type, "snapshot", "clean stop ends with a checkpoint");

      // Finished days have a manifest that matches the file.
      for (const path of paths.slice(0, -1)) {
        const manifestPath = path.replace(".jsonl.gz", ".manifest.json");
        const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
        const bytes = await Deno.readFile(path);
        assert.equal(manifest.bytes, bytes.length);
        assert.equal(manifest.sha256, createHash("sha256").update(bytes).digest("hex"));
      }
      console.log(
        `${KILLS} kills, ${torn} torn tails repaired, ${paths.length} files, ` +
          `${events.length} events, ${headers} headers`,
      );
    } finally {
      await Deno.remove(dataDir, { recursive: true });
      await Deno.remove(feedPath);
    }
  },
});
