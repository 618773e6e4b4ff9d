/**
 * `verify` and `replay` agree on futures files: on copies of the real USDⓈ-M BTCUSDT day with
 * event lines removed, repeated or swapped at random (seeded), verify finds each damaged and
 * replay's in-sync stretches last as long as verify's coverage says.
 */
import assert from "node:assert/strict";
import { type BookRow, replayBookRows } from "../lib/replay/book_rows.ts";
import { randomSource } from "../lib/util/random.ts";
import { findRecordings } from "../lib/verify/find_recordings.ts";
import { verifyFiles } from "../lib/verify/verify_files.ts";
import { realFuturesDays, writeDay } from "./helpers/fixtures.ts";

const DAY_MS = 86_400_000;

/** Milliseconds of `date` that one file's `rows` spend in sync, as verify's coverage counts them. */
function inSyncMs(rows: readonly BookRow[], date: string): number {
  const start = Date.parse(`${date}T00:00:00Z`);
  const clip = (t: number) => Math.min(Math.max(t, start), start + DAY_MS);
  let ms = 0;
  let first: BookRow | undefined;
  for (const [i, row] of rows.entries()) {
    first ??= row;
    const next = rows[i + 1];
    if (next === undefined || next.resync) {
      ms += Math.max(0, clip(row.time) - clip(first.time));
      first = undefined;
    }
  }
  return ms;
}

Deno.test("verify and replay agree on the in-sync time of damaged real futures days", async () => {
  const [base] = await realFuturesDays("BTCUSDT");
  const events = base!.lines.flatMap((l, i) => l.startsWith('{"type":"depthUpdate"') ? [i] : []);
  const dir = await Deno.makeTempDir();
  try {
    for (let seed = 1; seed <= 12; seed++) {
      const random = randomSource(seed);
      const lines = [...base!.lines];
      const done: string[] = [];
      for (let k = 0; k < 1 + Math.floor(random() * 3); k++) {
        const i = events[100 + Math.floor(random() * (events.length - 200))]!;
        const r = random();
        if (r < 0.4) {
          lines.splice(i, 1);
          done.push(`removed line ${i + 1}`);
        } else if (r < 0.7) {
          lines.splice(i, 0, lines[i]!);
          done.push(`repeated line ${i + 1}`);
        } else {
          [lines[i], lines[i + 1]] = [lines[i + 1]!, lines[i]!];
          done.push(`swapped lines ${i + 1}, ${i + 2}`);
        }
      }
      const caseDir = `${dir}/${seed}`;
      await writeDay(caseDir, { ...base!, lines });
      const files = await findRecordings([caseDir]);
      const report = await verifyFiles(files);
      const rows: BookRow[] = [];
      for await (const batch of replayBookRows(files, { depth: 3, every: "event" })) {
        rows.push(...batch);
      }
      const how = `seed ${seed}: ${done.join("; ")}`;
      const file = report.files[0]!;
      assert.equal(file.status, "damaged", how);
      assert.equal(inSyncMs(rows, base!.date), file.inSyncMs, how);
      assert.ok(file.inSyncMs > 0, how);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
