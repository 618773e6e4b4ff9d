/**
 * `verify` on day files built from the real USDⓈ-M futures recordings (`realFuturesDays()`):
 * replayed by the futures rules (`pu == previous u`, the snapshot bridged by
 * `U <= lastUpdateId <= u`), found under `usdm/<SYMBOL>/` next to spot files.
 */
import assert from "node:assert/strict";
import { parseRecordLine } from "../lib/recording/record_parse.ts";
import { numericReplay, type Synced } from "../lib/recording/record_replay.ts";
import { findRecordings } from "../lib/verify/find_recordings.ts";
import type { FileReport, VerifyReport } from "../lib/verify/report.ts";
import { verifyFiles } from "../lib/verify/verify_files.ts";
import {
  type DayLines,
  realDays,
  realFuturesDays,
  realStreamDays,
  writeDay,
} from "./helpers/fixtures.ts";

async function verifyDays(days: DayLines[], crossCheck = false): Promise<VerifyReport> {
  const dir = await Deno.makeTempDir();
  try {
    for (const day of days) await writeDay(dir, day);
    return await verifyFiles(await findRecordings([dir]), { strict: false, crossCheck });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function problems(report: VerifyReport): string {
  return JSON.stringify(report.files.map((f) => f.problems));
}

function eventIndex(lines: string[], from: number): number {
  const i = lines.findIndex((l, j) => j >= from && l.startsWith('{"type":"depthUpdate"'));
  assert.ok(i >= 0);
  return i;
}

Deno.test("verifyFiles() passes the real futures recordings by the futures rules, next to spot files", async () => {
  const futures = [...await realFuturesDays("BTCUSDT"), ...await realFuturesDays("ETHUSDT")];
  const report = await verifyDays([...futures, ...await realDays("BTCUSDT")]);
  assert.equal(report.exitCode, 0, problems(report));
  const usdm = report.files.filter((f) => f.path.includes("/usdm/"));
  assert.deepEqual(
    usdm.map((f) => [f.symbol, f.date, f.status, f.events, f.continuity?.status ?? null]),
    [
      ["BTCUSDT", "2024-08-08", "whole", 6547, null],
      ["BTCUSDT", "2024-08-09", "whole", 4, "continues"],
      ["ETHUSDT", "2024-08-08", "whole", 6580, null],
      ["ETHUSDT", "2024-08-09", "whole", 6, "continues"],
    ],
  );
  assert.ok(usdm.every((f) => f.checkpointsMatched >= 1));
  assert.equal(usdm[0]!.checkpointsMatched + usdm[2]!.checkpointsMatched, 28);
  const spot = report.files.filter((f) => !f.path.includes("/usdm/"));
  assert.equal(spot.length, 2, "spot files still found where they are");
  assert.ok(spot.every((f) => f.status === "whole" && f.symbol === "BTCUSDT"));
});

Deno.test("ethusdt futures: the first event applied after the snapshot has u == lastUpdateId", async () => {
  const [day] = await realFuturesDays("ETHUSDT");
  const records = day!.lines.map((l) => parseRecordLine(l));
  const restLine = records.findIndex((r) => typeof r !== "string" && r.type === "snapshot");
  const rest = records[restLine] as { lastUpdateId: number; E?: number; T?: number };
  assert.ok(typeof rest.E === "number" && typeof rest.T === "number", "the snapshot keeps E, T");
  const bridging = records.findIndex((r) =>
    typeof r !== "string" && r.type === "depthUpdate" && r.u === rest.lastUpdateId
  );
  assert.ok(bridging >= 0 && bridging < restLine, "an event ending at lastUpdateId is buffered");
  const replay = numericReplay();
  const synced: Synced[] = [];
  const lost: string[] = [];
  replay.startFile({ synced: (s) => synced.push(s), lost: (l) => lost.push(l.cause) });
  records.forEach((r, i) => {
    if (typeof r !== "string") replay.record(r, i + 1);
  });
  assert.equal(replay.market, "usdm");
  assert.deepEqual(lost, ["gap"], "the start gap only");
  assert.equal(synced.length, 1);
  // Every buffered event from the one ending at lastUpdateId on was applied on the snapshot.
  assert.equal(synced[0]!.applied, restLine - bridging);
  assert.ok(synced[0]!.applied >= 1);
});

Deno.test("verifyFiles() reports a removed futures event as a pu break at its line, and a marked gap as whole", async () => {
  const [a, b] = await realFuturesDays("BTCUSDT");
  const i = eventIndex(a!.lines, 1000);
  const before = JSON.parse(a!.lines[i - 1]!);
  const removed = JSON.parse(a!.lines[i]!);
  const next = JSON.parse(a!.lines[i + 1]!);
  assert.equal(next.pu, removed.u);
  a!.lines.splice(i, 1);
  const report = await verifyDays([a!, b!]);
  assert.equal(report.exitCode, 1);
  const damaged = report.files.filter((f) => f.status === "damaged");
  assert.equal(damaged.length, 1, problems(report));
  const p = damaged[0]!.problems.find((x) => x.kind === "discontinuity");
  assert.ok(p, problems(report));
  assert.equal(p.line, i + 1);
  assert.deepEqual(p.missing, [before.u + 1, removed.u]);
  assert.match(p.message, new RegExp(`expected pu=${before.u}, got pu=${removed.u}`));

  a!.lines.splice(
    i,
    0,
    JSON.stringify({
      type: "gap",
      recv: before.recv,
      lastUpdateId: before.u,
      reason: "sequence",
      detail: `expected pu=${before.u} got pu=${removed.u}`,
    }),
  );
  const marked = await verifyDays([a!, b!]);
  assert.equal(marked.exitCode, 0, problems(marked));
  const day: FileReport = marked.files[0]!;
  assert.equal(day.status, "whole");
  assert.deepEqual(day.gaps.slice(1).map((g) => [g.line, g.reason]), [[i + 1, "sequence"]]);
  assert.equal(marked.files[1]!.continuity?.status, "continues", "resynced at a checkpoint");
});

Deno.test("verifyFiles() reports two swapped futures event lines", async () => {
  const [a, b] = await realFuturesDays("BTCUSDT");
  const i = eventIndex(a!.lines, 2000);
  if (!a!.lines[i + 1]!.startsWith('{"type":"depthUpdate"')) throw new Error("not two events");
  [a!.lines[i], a!.lines[i + 1]] = [a!.lines[i + 1]!, a!.lines[i]!];
  const report = await verifyDays([a!, b!]);
  const kinds = report.files[0]!.problems.map((p) => [p.kind, p.line]);
  assert.deepEqual(kinds[0], ["swapped", i + 1], problems(report));
});

Deno.test("verify --cross-check: every real futures bookTicker at the book's update id agrees", async () => {
  const days: DayLines[] = [];
  for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
    days.push(
      ...await realFuturesDays(symbol),
      ...await realStreamDays(symbol, "bookTicker", "usdm"),
    );
  }
  const report = await verifyDays(days, true);
  assert.equal(report.exitCode, 0, problems(report));
  const depth = report.files.filter((f) => f.stream === "depth");
  assert.ok(depth.every((f) => f.path.includes("/usdm/")) && depth.length === 4);
  // The bookTickers' day is that of their recv, which ends before midnight: no file of the 9th.
  const by = (symbol: string) =>
    depth.filter((f) => f.symbol === symbol).reduce((n, f) => n + (f.crossCheck?.checked ?? 0), 0);
  // tests/replay_futures_test.ts finds 629 and 551 at the u of a replayed row; one BTCUSDT one is
  // at an event of the 9th, its bookTicker in the 8th's file (by recv): not the same day's.
  assert.deepEqual([by("BTCUSDT"), by("ETHUSDT")], [628, 551]);
  assert.deepEqual(report.crossCheck, { checked: by("BTCUSDT") + by("ETHUSDT"), disagreed: 0 });
  console.log(`futures cross-check: BTCUSDT ${by("BTCUSDT")}, ETHUSDT ${by("ETHUSDT")} agree`);
});
