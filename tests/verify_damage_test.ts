import assert from "node:assert/strict";
import { finishDayFile } from "../lib/recording/manifest.ts";
import { findRecordings } from "../lib/verify/find_recordings.ts";
import type { FileReport, Problem, VerifyReport } from "../lib/verify/report.ts";
import { verifyFiles } from "../lib/verify/verify_files.ts";
import { type DayLines, realDays, writeDay } from "./helpers/fixtures.ts";

async function verifyDays(
  days: DayLines[],
  options: { strict?: boolean; bytes?: (gz: Uint8Array) => Uint8Array; manifest?: boolean } = {},
): Promise<VerifyReport> {
  const dir = await Deno.makeTempDir();
  try {
    for (const [i, day] of days.entries()) {
      const last = i === days.length - 1;
      const path = await writeDay(dir, day, last && options.bytes ? { bytes: options.bytes } : {});
      if (options.manifest) await finishDayFile(path, { symbol: day.symbol, date: day.date });
    }
    return await verifyFiles(await findRecordings([dir]), { strict: options.strict ?? false });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Day 2024-08-08 and 2024-08-09 of BTCUSDT; damage goes into the second. */
async function btc(): Promise<[DayLines, DayLines]> {
  const [a, b] = await realDays("BTCUSDT");
  return [a!, b!];
}

function eventIndex(lines: string[], from: number): number {
  const i = lines.findIndex((l, j) => j >= from && l.startsWith('{"type":"depthUpdate"'));
  assert.ok(i >= 0);
  return i;
}

function only(report: VerifyReport): FileReport {
  const damaged = report.files.filter((f) => f.status === "damaged");
  assert.equal(damaged.length, 1, JSON.stringify(report.files.map((f) => f.problems)));
  return damaged[0]!;
}

function problemKinds(file: FileReport): string[] {
  return file.problems.map((p: Problem) => p.kind);
}

Deno.test("verifyFiles() passes the real recordings as day files, days continuing", async () => {
  const report = await verifyDays([...await btc(), ...await realDays("ETHUSDT")]);
  assert.equal(report.exitCode, 0, JSON.stringify(report.files.map((f) => f.problems)));
  assert.equal(report.files.length, 4);
  for (const f of report.files) {
    assert.equal(f.status, "whole");
    assert.ok(f.events > 3000 && f.checkpointsMatched >= 6, `${f.path}: ${f.events}`);
  }
  assert.equal(report.files[1]!.continuity?.status, "continues");
  assert.equal(report.files[3]!.continuity?.status, "continues");
  const strict = await verifyDays(await btc(), { strict: true });
  assert.equal(strict.exitCode, 1, "the start gap fails under --strict");
});

Deno.test("verifyFiles() names the line and missing ids when one event line is removed", async () => {
  const [a, b] = await btc();
  const i = eventIndex(b.lines, 1000);
  const removed = JSON.parse(b.lines[i]!);
  b.lines.splice(i, 1);
  const file = only(await verifyDays([a, b]));
  const p = file.problems.find((x) => x.kind === "discontinuity");
  assert.ok(p, JSON.stringify(file.problems));
  assert.equal(p.line, i + 1);
  assert.deepEqual(p.missing, [removed.U, removed.u]);
  assert.match(p.time ?? "", /^2024-08-09T/);
});

Deno.test("verifyFiles() reports two swapped event lines", async () => {
  const [a, b] = await btc();
  const i = eventIndex(b.lines, 1500);
  assert.ok(b.lines[i + 1]!.startsWith('{"type":"depthUpdate"'));
  [b.lines[i], b.lines[i + 1]] = [b.lines[i + 1]!, b.lines[i]!];
  const file = only(await verifyDays([a, b]));
  const p = file.problems.find((x) => x.kind === "swapped");
  assert.ok(p, JSON.stringify(file.problems));
  assert.match(p.message, new RegExp(`Lines ${i + 1} and ${i + 2}`));
});

Deno.test("verifyFiles() reports a duplicated event line", async () => {
  const [a, b] = await btc();
  const i = eventIndex(b.lines, 700);
  b.lines.splice(i + 1, 0, b.lines[i]!);
  const file = only(await verifyDays([a, b]));
  assert.deepEqual(problemKinds(file), ["duplicate"]);
  assert.equal(file.problems[0]!.line, i + 2);
});

Deno.test("verifyFiles() reports a file cut mid-member at the member's offset", async () => {
  const [a, b] = await btc();
  let cutAt = 0;
  const file = only(
    await verifyDays([a, b], {
      bytes: (gz) => {
        cutAt = Math.floor(gz.length * 0.6);
        return gz.subarray(0, cutAt);
      },
    }),
  );
  assert.deepEqual(problemKinds(file), ["gzip"]);
  const p = file.problems[0]!;
  assert.match(p.message, /ends inside the gzip member/);
  assert.ok(p.byte! < cutAt && p.byte === file.checkedBytes, `${p.byte} ${cutAt}`);
  assert.ok(file.events > 1000, "events before the damage are checked");
});

Deno.test("verifyFiles() reports a flipped byte inside a member", async () => {
  const [a, b] = await btc();
  let flipAt = 0;
  const file = only(
    await verifyDays([a, b], {
      bytes: (gz) => {
        const copy = new Uint8Array(gz);
        flipAt = Math.floor(gz.length / 2);
        copy[flipAt]! ^= 0x20;
        return copy;
      },
    }),
  );
  const p = file.problems.find((x) => x.kind === "gzip");
  assert.ok(p, JSON.stringify(file.problems));
  assert.match(p.message, /CRC32|corrupt|length/);
  assert.ok(p.byte! <= flipAt && flipAt - p.byte! < 200_000);
});

Deno.test("verifyFiles() reports garbage appended after the last member", async () => {
  const [a, b] = await btc();
  let end = 0;
  const file = only(
    await verifyDays([a, b], {
      bytes: (gz) => {
        end = gz.length;
        return new Uint8Array([...gz, ...new TextEncoder().encode("not gzip\n")]);
      },
    }),
  );
  assert.deepEqual(problemKinds(file), ["gzip"]);
  assert.equal(file.problems[0]!.byte, end);
  assert.equal(file.events, b.lines.filter((l) => l.includes('"depthUpdate"')).length);
});

Deno.test("verifyFiles() names the first difference of a changed book checkpoint", async () => {
  const [a, b] = await btc();
  const i = b.lines.findIndex((l, j) => j > 100 && l.includes('"source":"book"'));
  const snap = JSON.parse(b.lines[i]!);
  const [price] = snap.asks[3];
  snap.asks[3] = [price, "123.45600000"];
  b.lines[i] = JSON.stringify(snap);
  const file = only(await verifyDays([a, b]));
  assert.deepEqual(problemKinds(file), ["book-mismatch"]);
  assert.equal(file.problems[0]!.line, i + 1);
  assert.match(file.problems[0]!.message, new RegExp(`ask 3: ${price}/`));
});

Deno.test("verifyFiles() accepts a marked gap, reports its span, and fails it only with strict", async () => {
  const [a, b] = await btc();
  const i = eventIndex(b.lines, 400);
  const before = JSON.parse(b.lines[i - 1]!);
  b.lines.splice(
    i,
    5,
    JSON.stringify({
      type: "gap",
      recv: 1,
      lastUpdateId: before.u,
      reason: "disconnect",
      detail: "test",
    }),
  );
  const report = await verifyDays([a, b]);
  assert.equal(report.exitCode, 0, JSON.stringify(report.files[1]!.problems));
  const day = report.files[1]!;
  const gap = day.gaps[0]!;
  assert.equal(gap.line, i + 1);
  assert.equal(gap.reason, "disconnect");
  assert.equal(gap.from, new Date(before.E).toISOString());
  assert.ok(gap.to !== null && gap.durationMs! > 0);
  const clean = (await verifyDays(await btc())).files[1]!;
  assert.ok(day.inSyncMs < clean.inSyncMs && day.coverage === day.inSyncMs / 86_400_000);
  assert.equal((await verifyDays([a, b], { strict: true })).exitCode, 1);
});

Deno.test("verifyFiles() reports bad lines, a wrong header, events outside the day and a broken day link", async () => {
  const [a, b] = await btc();
  b.lines[0] = b.lines[0]!.replace('"symbol":"BTCUSDT"', '"symbol":"ETHUSDT"');
  const i = eventIndex(b.lines, 300);
  b.lines.splice(i, 0, "{not json");
  const j = eventIndex(b.lines, 900);
  const ev = JSON.parse(b.lines[j]!);
  delete ev.U;
  b.lines[j] = JSON.stringify(ev);
  const k = eventIndex(b.lines, 2000);
  const late = JSON.parse(b.lines[k]!);
  late.E += 86_400_000;
  b.lines[k] = JSON.stringify(late);
  const opening = JSON.parse(b.lines[1]!);
  opening.bids[0][1] = "9.99900000";
  b.lines[1] = JSON.stringify(opening);
  const file = only(await verifyDays([a, b]));
  const kinds = problemKinds(file);
  for (const kind of ["header", "bad-line", "outside-day", "continuity"]) {
    assert.ok(kinds.includes(kind), `${kind} in ${kinds}`);
  }
  const lines = file.problems.filter((p) => p.kind === "bad-line").map((p) => p.line);
  assert.deepEqual(lines.slice(0, 2), [i + 1, j + 1]);
});

Deno.test("verifyFiles() reports a price that is not a number, also in an event the next snapshot drops", async () => {
  const [a, b] = await btc();
  // Day a opens out of sync: its first events wait for the REST snapshot, which then drops them
  // (u <= lastUpdateId). Such an event with a bad price is still damage.
  const i = eventIndex(a.lines, 0);
  a.lines[i] = a.lines[i]!.replace(/"a":\[\["[^"]*"/, '"a":[["abc"');
  const j = eventIndex(b.lines, 500);
  b.lines[j] = b.lines[j]!.replace(/"b":\[\["[^"]*"/, '"b":[["1e"');
  const report = await verifyDays([a, b]);
  const found = report.files.map((f) => f.problems.map((p) => [p.kind, p.line, p.message]));
  assert.deepEqual(found, [
    [[
      "bad-line",
      i + 1,
      'Event cannot be applied: Invalid price "abc": expected a decimal string',
    ]],
    [["bad-line", j + 1, 'Event cannot be applied: Invalid price "1e": expected a decimal string']],
  ]);
  assert.equal(report.files[1]!.events, b.lines.filter((l) => l.includes('"depthUpdate"')).length);
});

Deno.test("verifyFiles() takes a byte-order mark before the header as a decoder would; one later is damage", async () => {
  const [a, b] = await btc();
  a.lines[0] = `\ufeff${a.lines[0]}`;
  const i = eventIndex(b.lines, 300);
  b.lines[i] = `\ufeff${b.lines[i]}`;
  const file = only(await verifyDays([a, b]));
  assert.equal(file.date, b.date, "the day with the mark at the start is whole");
  // The marked line is not JSON, so the event after it does not continue the book either.
  assert.deepEqual(file.problems.map((p) => [p.kind, p.line]), [
    ["bad-line", i + 1],
    ["discontinuity", i + 2],
  ]);
});

Deno.test("verifyFiles() reports a file whose header line is missing", async () => {
  const [a, b] = await btc();
  b.lines.shift();
  const file = only(await verifyDays([a, b]));
  assert.deepEqual(file.problems[0], {
    kind: "header",
    message: "First line is not a header",
    line: 1,
    byte: 0,
  });
});

Deno.test("verifyFiles() checks manifests: SHA-256 and counts", async () => {
  const days = await btc();
  const ok = await verifyDays(days, { manifest: true });
  assert.equal(ok.exitCode, 0, JSON.stringify(ok.files.map((f) => f.manifest)));
  assert.deepEqual(ok.files[1]!.manifest?.mismatches, []);
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeDay(dir, days[1]);
    const manifest = await finishDayFile(path, { symbol: "BTCUSDT", date: "2024-08-09" });
    const m = JSON.parse(await Deno.readTextFile(manifest));
    m.events -= 1;
    m.sha256 = "0".repeat(64);
    await Deno.writeTextFile(manifest, JSON.stringify(m));
    const report = await verifyFiles(await findRecordings([path]));
    const file = only(report);
    assert.equal(file.manifest?.mismatches.length, 2);
    assert.deepEqual(problemKinds(file), ["manifest", "manifest"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("verifyFiles() reports a crossed book and event time going backwards", async () => {
  const [a, b] = await btc();
  const i = eventIndex(b.lines, 600);
  const ev = JSON.parse(b.lines[i]!);
  ev.b.push(["99999.00000000", "1.00000000"]);
  b.lines[i] = JSON.stringify(ev);
  const j = eventIndex(b.lines, 1200);
  const late = JSON.parse(b.lines[j]!);
  late.E -= 60_000;
  b.lines[j] = JSON.stringify(late);
  const file = only(await verifyDays([a, b]));
  const crossed = file.problems.find((p) => p.kind === "crossed");
  assert.equal(crossed?.line, i + 1);
  assert.match(crossed?.message ?? "", /best bid 99999 >= best ask/);
  const backwards = file.problems.find((p) => p.kind === "time-order");
  assert.equal(backwards?.line, j + 1);
  assert.equal(backwards?.time, new Date(late.E).toISOString());
});
