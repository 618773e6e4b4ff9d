/**
 * `replay` on randomly damaged copies of a small real day file: it never throws, skips every line
 * a reader cannot use (and only those) with a message naming it, writes only decimal levels, and
 * the CLI finishes its output and exits 1 when it skipped damage, 0 otherwise, never with a stack
 * trace.
 *
 * Each case is rebuilt from its seed: `FUZZ_SEED=<seed> FUZZ_CASES=1 deno test -A <this file>`.
 */
import assert from "node:assert/strict";
import { type BookRow, replayBookRows } from "../lib/replay/book_rows.ts";
import { findRecordings } from "../lib/verify/find_recordings.ts";
import { collector } from "./helpers/collector_process.ts";
import {
  mutateDay,
  type MutatedDay,
  smallRealDays,
  usableLine,
  writeMutatedDay,
} from "./helpers/record_mutations.ts";

const FIRST_SEED = Number(Deno.env.get("FUZZ_SEED") ?? 1001);
const CASES = Number(Deno.env.get("FUZZ_CASES") ?? 120);
/** Cases also run through the CLI. */
const CLI_CASES = 5;
const DEPTH = 3;
const DECIMAL = /^[0-9]+(\.[0-9]+)?$/;

async function replay(dir: string): Promise<{ rows: BookRow[]; skipped: string[] }> {
  const rows: BookRow[] = [];
  const skipped: string[] = [];
  const options = { depth: DEPTH, every: "event" as const, onSkip: (m: string) => skipped.push(m) };
  for await (const batch of replayBookRows(await findRecordings([dir]), options)) {
    rows.push(...batch);
  }
  return { rows, skipped };
}

function checkReplay(day: MutatedDay, path: string, rows: BookRow[], skipped: string[]): void {
  const last = day.lines.length;
  const unusable = (line: number) =>
    !usableLine(day.lines[line - 1]!) || (day.unterminated && line === last);
  const named = new Set<number>();
  for (const message of skipped) {
    assert.doesNotMatch(message, /cannot be replayed/, "no line may throw");
    const m = /^(.*):(\d+): /.exec(message);
    assert.ok(m !== null && m[1] === path, `names the file and line: ${message}`);
    const line = Number(m[2]);
    assert.ok(unusable(line), `line ${line} is usable: ${message}`);
    named.add(line);
  }
  for (let line = 1; line <= last; line++) {
    if (unusable(line)) assert.ok(named.has(line), `line ${line} is skipped with a message`);
  }
  for (const row of rows) {
    assert.ok(Number.isFinite(row.time) && row.bids.length <= DEPTH && row.asks.length <= DEPTH);
    for (const [price, quantity] of [...row.bids, ...row.asks]) {
      assert.ok(DECIMAL.test(price) && DECIMAL.test(quantity), `row level ${price}/${quantity}`);
    }
  }
}

Deno.test("replayBookRows() and collector replay survive randomly damaged real day files", async () => {
  const bases = await smallRealDays();
  const dir = await Deno.makeTempDir();
  try {
    for (let k = 0; k < CASES; k++) {
      const seed = FIRST_SEED + k;
      const day = mutateDay(bases[seed % bases.length]!, seed);
      const caseDir = `${dir}/${k}`;
      const path = await writeMutatedDay(caseDir, day);
      try {
        const { rows, skipped } = await replay(caseDir);
        checkReplay(day, path, rows, skipped);
        if (k >= CLI_CASES) continue;
        const cli = await collector("replay", caseDir, "--depth", `${DEPTH}`, "--format", "jsonl");
        assert.equal(cli.code, skipped.length > 0 ? 1 : 0, cli.stderr);
        assert.equal(cli.stdout.split("\n").filter((l) => l !== "").length, rows.length);
        for (const line of cli.stderr.split("\n").filter((l) => l !== "")) {
          assert.match(line, /^warning: /, "only warnings on stderr, no stack trace");
        }
      } catch (error) {
        const how = `seed ${seed} (${day.date}): ${day.mutations.join("; ")}`;
        throw new Error(`Fuzz case failed, ${how}: ${(error as Error).stack ?? error}`);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
