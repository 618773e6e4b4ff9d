/**
 * `verify` and `replay` read files through the same `lib/recording/` reader and replay: on
 * randomly damaged copies of small real day files, and on the whole ones, replay skips exactly the
 * lines verify calls unusable (`bad-line`), and the torn gzip verify reports; a whole file makes
 * both succeed. They also agree on continuity: replay's in-sync stretches (its rows, a new one
 * at each row flagged `resync`) last as long as verify's coverage says, file by file, and a day
 * verify says continues the day before is exactly one replay does not flag as a resync.
 *
 * Each case is rebuilt from its seed: `FUZZ_SEED=<seed> FUZZ_CASES=1 deno test -A <this file>`.
 */
import assert from "node:assert/strict";
import { replayBookRows } from "../lib/replay/book_rows.ts";
import type { BookRow } from "../lib/replay/book_rows.ts";
import { findRecordings } from "../lib/verify/find_recordings.ts";
import type { VerifyReport } from "../lib/verify/report.ts";
import { verifyFiles } from "../lib/verify/verify_files.ts";
import { realDays } from "./helpers/fixtures.ts";
import { mutateDay, smallRealDays, writeMutatedDay } from "./helpers/record_mutations.ts";

const FIRST_SEED = Number(Deno.env.get("FUZZ_SEED") ?? 5001);
const CASES = Number(Deno.env.get("FUZZ_CASES") ?? 150);

const DAY_MS = 86_400_000;

/** Replay's rows of the files in `dir` (or its first `files`), and the lines it skipped. */
async function replayed(dir: string, files = Infinity) {
  const skipped: number[] = [];
  const onSkip = (m: string) => skipped.push(Number(/:(\d+): /.exec(m)?.[1] ?? 0));
  const found = (await findRecordings([dir])).slice(0, files);
  const rows: BookRow[] = [];
  for await (const batch of replayBookRows(found, { depth: 3, every: "event", onSkip })) {
    rows.push(...batch);
  }
  return { rows, skipped: skipped.sort((a, b) => a - b) };
}

/** Lines replay skipped (0 for damage without a line, e.g. torn gzip). */
async function replaySkips(dir: string): Promise<number[]> {
  return (await replayed(dir)).skipped;
}

/** Lines verify named as unusable (0 for gzip damage). */
function rejects(report: VerifyReport, file = 0): number[] {
  const lines = report.files[file]!.problems
    .filter((p) => p.kind === "bad-line" || p.kind === "gzip")
    .map((p) => p.kind === "gzip" ? 0 : p.line!);
  return lines.sort((a, b) => a - b);
}

async function verifyRejects(dir: string): Promise<number[]> {
  return rejects(await verifyFiles(await findRecordings([dir])));
}

/**
 * Milliseconds of day `date` that `rows` (one file's) spend in sync, as verify's coverage counts
 * them: a stretch from the first row after a sync to the last before sync is lost, clipped to
 * the day.
 */
function inSyncMs(rows: readonly BookRow[], date: string): number {
  const start = Date.parse(`${date}T00:00:00Z`);
  const clip = (t: number) => Math.min(Math.max(t, start), start + DAY_MS);
  let ms = 0;
  let first: BookRow | undefined;
  for (const [i, row] of rows.entries()) {
    if (first === undefined) first = row;
    const next = rows[i + 1];
    if (next === undefined || next.resync) {
      ms += Math.max(0, clip(row.time) - clip(first.time));
      first = undefined;
    }
  }
  return ms;
}

Deno.test("verify and replay reject the same lines of damaged files and accept whole ones", async () => {
  const bases = await smallRealDays();
  const dir = await Deno.makeTempDir();
  try {
    for (const [i, base] of bases.entries()) {
      const caseDir = `${dir}/whole${i}`;
      await writeMutatedDay(caseDir, {
        ...base,
        seed: 0,
        mutations: [],
        unterminated: false,
        splitBytes: false,
      });
      assert.deepEqual(await replaySkips(caseDir), []);
      assert.deepEqual(await verifyRejects(caseDir), []);
    }
    for (let k = 0; k < CASES; k++) {
      const seed = FIRST_SEED + k;
      const day = mutateDay(bases[seed % bases.length]!, seed);
      const caseDir = `${dir}/${k}`;
      await writeMutatedDay(caseDir, day);
      const replay = await replayed(caseDir);
      const report = await verifyFiles(await findRecordings([caseDir]));
      const how = `seed ${seed} (${day.date}): ${day.mutations.join("; ")}`;
      assert.deepEqual(replay.skipped, rejects(report), how);
      assert.equal(inSyncMs(replay.rows, day.date), report.files[0]!.inSyncMs, how);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("verify and replay agree on which damaged real days continue the day before", async () => {
  const days = await realDays("BTCUSDT", { checkpointEvery: 500 });
  const dir = await Deno.makeTempDir();
  const cases = Math.max(1, Math.round(CASES / 6));
  let continues = 0;
  let broken = 0;
  try {
    for (let k = 0; k < cases; k++) {
      const seed = FIRST_SEED + 10_000 + k;
      // Damage one of the two days; the other stays whole.
      const damaged = k % 2;
      const caseDir = `${dir}/${k}`;
      const pair = days.map((base, i) =>
        i === damaged
          ? mutateDay(base, seed)
          : { ...base, seed: 0, mutations: [], unterminated: false, splitBytes: false }
      );
      for (const day of pair) await writeMutatedDay(caseDir, day);
      const how = `seed ${seed}, day ${damaged + 1} damaged: ${
        pair[damaged]!.mutations.join("; ")
      }`;
      const report = await verifyFiles(await findRecordings([caseDir]));
      const first = (await replayed(caseDir, 1)).rows.length;
      const { rows, skipped } = await replayed(caseDir);
      assert.deepEqual(skipped, rejects(report, damaged), how);
      const [one, two] = [rows.slice(0, first), rows.slice(first)];
      assert.equal(inSyncMs(one, pair[0]!.date), report.files[0]!.inSyncMs, how);
      assert.equal(inSyncMs(two, pair[1]!.date), report.files[1]!.inSyncMs, how);
      const link = report.files[1]!.continuity!;
      if (link.status === "continues") continues++;
      if (link.status === "broken") broken++;
      if (one.length > 0 && two.length > 0) {
        assert.equal(two[0]!.resync, link.status !== "continues", `${how}: ${link.detail}`);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.ok(continues > 0 && continues < cases, `${continues} of ${cases} cases continue`);
  console.log(`${continues} continue, ${broken} broken, ${cases - continues - broken} not claimed`);
});
