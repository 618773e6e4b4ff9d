/**
 * `verify` and `replay` on lines whose values are unusable: each such line is damage, named by
 * its line and the offending value, and checking goes on with the rest of the file.
 */
import assert from "node:assert/strict";
import { replayBookRows } from "../lib/replay/book_rows.ts";
import { findRecordings } from "../lib/verify/find_recordings.ts";
import type { FileReport } from "../lib/verify/report.ts";
import { verifyFiles } from "../lib/verify/verify_files.ts";
import { collector } from "./helpers/collector_process.ts";
import { type DayLines, realDays, writeDay } from "./helpers/fixtures.ts";

const SNAPSHOT = '{"type":"snapshot"';

/** Day 2024-08-09 of BTCUSDT: it opens with a `book` snapshot at line 2. */
async function day(): Promise<DayLines> {
  return (await realDays("BTCUSDT"))[1]!;
}

async function withDay<T>(d: DayLines, run: (dir: string, path: string) => Promise<T>) {
  const dir = await Deno.makeTempDir();
  try {
    return await run(dir, await writeDay(dir, d));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function problems(file: FileReport): [string, number | undefined][] {
  return file.problems.map((p) => [p.kind, p.line]);
}

Deno.test('verifyFiles() reports a snapshot level priced "12.3x" as a bad line and goes on', async () => {
  const d = await day();
  const i = d.lines.findIndex((l, j) => j > 100 && l.startsWith(SNAPSHOT));
  assert.ok(i > 0);
  d.lines[1] = d.lines[1]!.replace(/"bids":\[\["[^"]*"/, '"bids":[["12.3x"');
  d.lines[i] = d.lines[i]!.replace(/"asks":\[\["([^"]*)","[^"]*"/, '"asks":[["$1","-1"');
  const report = await withDay(d, async (dir) => await verifyFiles(await findRecordings([dir])));
  const file = report.files[0]!;
  assert.equal(report.exitCode, 1);
  assert.deepEqual(problems(file).filter(([k]) => k === "bad-line"), [
    ["bad-line", 2],
    ["bad-line", i + 1],
  ]);
  assert.match(file.problems[0]!.message, /"bids".*price "12\.3x"/);
  assert.equal(typeof file.problems[0]!.byte, "number");
  assert.match(file.problems.find((p) => p.line === i + 1)!.message, /"asks".*quantity "-1"/);
  assert.equal(file.lines, d.lines.length, "every line was read");
  assert.ok(file.applied > 1000, "the events after the next snapshot were checked");
});

Deno.test("collector verify reports an unusable snapshot with exit 1 and no stack trace", async () => {
  const d = await day();
  d.lines[1] = d.lines[1]!.replace(/"bids":\[\["[^"]*"/, '"bids":[["12.3x"');
  const [text, json] = await withDay(d, async (_, path) => [
    await collector("verify", path),
    await collector("verify", "--json", path),
  ]);
  assert.equal(text.code, 1, text.stderr);
  assert.equal(text.stderr, "");
  assert.match(text.stdout, /bad-line \[line 2, byte 0\]: .*"12\.3x"/);
  assert.equal(json.code, 1, json.stderr);
  assert.equal(json.stderr, "");
  assert.equal(JSON.parse(json.stdout).files[0].problems[0].line, 2);
});

Deno.test("replayBookRows() skips an unusable snapshot and event, naming their lines", async () => {
  const d = await day();
  d.lines[1] = d.lines[1]!.replace(/"bids":\[\["[^"]*"/, '"bids":[["12.3x"');
  const i = d.lines.findIndex((l, j) => j > 300 && l.startsWith('{"type":"depthUpdate"'));
  d.lines[i] = d.lines[i]!.replace(/"a":\[\["[^"]*"/, '"a":[["0x10"');
  const skipped: string[] = [];
  const rows = await withDay(d, async (dir) => {
    let n = 0;
    const options = { depth: 1, every: "event" as const, onSkip: (m: string) => skipped.push(m) };
    for await (const batch of replayBookRows(await findRecordings([dir]), options)) {
      n += batch.length;
    }
    return n;
  });
  assert.equal(skipped.length, 2, skipped.join("\n"));
  assert.match(skipped[0]!, /:2: .*"12\.3x"/);
  assert.match(skipped[1]!, new RegExp(`:${i + 1}: .*"0x10"`));
  assert.ok(rows > 1000, `rows after the next snapshot: ${rows}`);
});

Deno.test("collector replay skips unusable lines with a warning, finishes the output, exits 1", async () => {
  const d = await day();
  d.lines[1] = d.lines[1]!.replace(/"bids":\[\["[^"]*"/, '"bids":[["12.3x"');
  const r = await withDay(d, async (_, path) => await collector("replay", path, "--depth", "1"));
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^warning: .*:2: .*"12\.3x"/);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
  assert.ok(r.stdout.split("\n").length > 1000);
});
