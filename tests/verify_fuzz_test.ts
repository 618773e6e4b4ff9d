/**
 * `verify` on hundreds of randomly damaged copies of a small real day file: it never throws,
 * always reports, names every line a reader cannot use (and only those) as damage, and the CLI
 * (`collector verify --json`) exits 0 or 1 with the same report and nothing on stderr.
 *
 * Each case is rebuilt from its seed: `FUZZ_SEED=<seed> FUZZ_CASES=1 deno test -A <this file>`.
 */
import assert from "node:assert/strict";
import { findRecordings } from "../lib/verify/find_recordings.ts";
import type { FileReport } from "../lib/verify/report.ts";
import { verifyFiles } from "../lib/verify/verify_files.ts";
import { collector } from "./helpers/collector_process.ts";
import {
  mutateDay,
  type MutatedDay,
  SCANNER_SHAPE,
  smallRealDays,
  usableLine,
  writeMutatedDay,
} from "./helpers/record_mutations.ts";

const FIRST_SEED = Number(Deno.env.get("FUZZ_SEED") ?? 1);
const CASES = Number(Deno.env.get("FUZZ_CASES") ?? 300);
/** Cases per run of the CLI. */
const BATCH = 100;

/** What every report of a damaged day must satisfy. */
function checkReport(day: MutatedDay, file: FileReport): void {
  const last = day.lines.length;
  assert.equal(file.lines, last, "every line is read");
  assert.equal(file.status === "damaged", file.problemCount > 0);
  const named = new Set(file.problems.map((p) => p.line));
  for (const [i, text] of day.lines.entries()) {
    const unusable = !usableLine(text) || (day.unterminated && i + 1 === last);
    if (unusable) assert.ok(named.has(i + 1), `line ${i + 1} is damage: ${text.slice(0, 100)}`);
  }
  for (const p of file.problems) {
    assert.doesNotMatch(p.message, /cannot be checked/, "no check may throw");
    if (p.line === undefined) continue;
    assert.ok(p.line >= 1 && p.line <= last && typeof p.byte === "number", JSON.stringify(p));
    if (p.kind !== "bad-line") continue;
    const cut = day.unterminated && p.line === last;
    assert.ok(cut || !usableLine(day.lines[p.line - 1]!), `line ${p.line} is usable: ${p.message}`);
  }
}

function fail(day: MutatedDay, error: unknown): never {
  const how = `seed ${day.seed} (${day.date}): ${day.mutations.join("; ")}`;
  throw new Error(`Fuzz case failed, ${how}: ${(error as Error).stack ?? error}`);
}

Deno.test("verifyFiles() and collector verify survive randomly damaged real day files", async () => {
  const bases = await smallRealDays();
  const clean = await Deno.makeTempDir();
  try {
    for (const base of bases) {
      await writeMutatedDay(`${clean}/${base.date}`, {
        ...base,
        seed: 0,
        mutations: [],
        unterminated: false,
        splitBytes: false,
      });
    }
    const whole = await verifyFiles(await findRecordings([clean]));
    assert.equal(whole.exitCode, 0, JSON.stringify(whole.files.map((f) => f.problems)));
  } finally {
    await Deno.remove(clean, { recursive: true });
  }
  const paths = { scanned: 0, parsed: 0 };
  for (let from = 0; from < CASES; from += BATCH) {
    const dir = await Deno.makeTempDir();
    try {
      const days = new Map<string, MutatedDay>();
      const reports = new Map<string, FileReport>();
      for (let k = from; k < Math.min(CASES, from + BATCH); k++) {
        const seed = FIRST_SEED + k;
        const day = mutateDay(bases[seed % bases.length]!, seed);
        const original = new Set(bases[seed % bases.length]!.lines);
        for (const line of day.lines) {
          if (original.has(line) || !line.includes('"depthUpdate"')) continue;
          if (SCANNER_SHAPE.test(line)) paths.scanned++;
          else paths.parsed++;
        }
        const caseDir = `${dir}/${k}`;
        await writeMutatedDay(caseDir, day);
        let report;
        try {
          report = await verifyFiles(await findRecordings([caseDir]));
          assert.equal(report.files.length, 1);
          checkReport(day, report.files[0]!);
        } catch (error) {
          fail(day, error);
        }
        days.set(caseDir, day);
        reports.set(caseDir, report.files[0]!);
      }
      const cli = await collector("verify", "--json", dir);
      assert.equal(cli.stderr, "", "nothing on stderr: no stack trace, no error");
      assert.ok(cli.code === 0 || cli.code === 1, `exit code ${cli.code}`);
      const all = JSON.parse(cli.stdout);
      assert.equal(all.exitCode, cli.code);
      assert.equal(all.files.length, days.size);
      for (const file of all.files as FileReport[]) {
        const caseDir = file.path.slice(0, file.path.lastIndexOf("/BTCUSDT/"));
        try {
          assert.deepEqual(file, JSON.parse(JSON.stringify(reports.get(caseDir))));
        } catch (error) {
          fail(days.get(caseDir)!, error);
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
  // Damaged events reached both of verify's line readers.
  if (CASES >= 100) assert.ok(paths.scanned > 30 && paths.parsed > 30, JSON.stringify(paths));
});
