/**
 * `verify` and `replay` read files through the same `lib/recording/` readers: on randomly damaged
 * copies of small real day files, and on the whole ones, replay skips exactly the lines verify
 * calls unusable (`bad-line`), and the torn gzip verify reports; a whole file makes both succeed.
 *
 * Each case is rebuilt from its seed: `FUZZ_SEED=<seed> FUZZ_CASES=1 deno test -A <this file>`.
 */
import assert from "node:assert/strict";
import { replayBookRows } from "../lib/replay/book_rows.ts";
import { findRecordings } from "../lib/verify/find_recordings.ts";
import { verifyFiles } from "../lib/verify/verify_files.ts";
import { mutateDay, smallRealDays, writeMutatedDay } from "./helpers/record_mutations.ts";

const FIRST_SEED = Number(Deno.env.get("FUZZ_SEED") ?? 5001);
const CASES = Number(Deno.env.get("FUZZ_CASES") ?? 150);

/** Lines replay skipped (0 for damage without a line, e.g. torn gzip). */
async function replaySkips(dir: string): Promise<number[]> {
  const skipped: number[] = [];
  const onSkip = (m: string) => skipped.push(Number(/:(\d+): /.exec(m)?.[1] ?? 0));
  const rows = replayBookRows(await findRecordings([dir]), { depth: 3, every: "event", onSkip });
  for await (const _ of rows);
  return skipped.sort((a, b) => a - b);
}

/** Lines verify named as unusable (0 for gzip damage). */
async function verifyRejects(dir: string): Promise<number[]> {
  const report = await verifyFiles(await findRecordings([dir]));
  const file = report.files[0]!;
  const lines = file.problems
    .filter((p) => p.kind === "bad-line" || p.kind === "gzip")
    .map((p) => p.kind === "gzip" ? 0 : p.line!);
  return lines.sort((a, b) => a - b);
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
      const [skipped, rejected] = [await replaySkips(caseDir), await verifyRejects(caseDir)];
      assert.deepEqual(
        skipped,
        rejected,
        `seed ${seed} (${day.date}): ${day.mutations.join("; ")}`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
