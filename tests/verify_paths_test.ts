/**
 * `verify` reads `depthUpdate` lines in the collector's shape with the WebAssembly scanner (an
 * option of the one record reader) and any other line with `JSON.parse`. These tests damage real
 * day files in many ways and check that the report is the same whichever way the event lines are
 * read: scanned, the same file with the scanner off, and lines reordered so that it cannot take
 * them.
 */
import assert from "node:assert/strict";
import { findRecordings } from "../lib/verify/find_recordings.ts";
import type { FileReport } from "../lib/verify/report.ts";
import { verifyFiles } from "../lib/verify/verify_files.ts";
import { randomSource } from "../lib/util/random.ts";
import { type DayLines, realDays, writeDay } from "./helpers/fixtures.ts";

const EVENT = '{"type":"depthUpdate"';

/** The same record with `recv` moved to the end: valid JSON the scanner leaves to JSON.parse. */
function reordered(line: string): string {
  if (!line.startsWith(EVENT)) return line;
  try {
    const { recv, ...rest } = JSON.parse(line);
    return JSON.stringify({ ...rest, recv });
  } catch {
    return line;
  }
}

/** The reports of `days`, without what depends on the bytes (paths, offsets, sizes). */
async function reports(days: DayLines[], scanner = true): Promise<unknown[]> {
  const dir = await Deno.makeTempDir();
  try {
    for (const day of days) await writeDay(dir, day, { linesPerMember: 97 });
    const report = await verifyFiles(await findRecordings([dir]), { scanner });
    return report.files.map((f: FileReport) => ({
      ...f,
      path: undefined,
      bytes: undefined,
      checkedBytes: undefined,
      members: undefined,
      // A bad line's message quotes its start, which differs by construction.
      problems: f.problems.map((p) => ({
        ...p,
        byte: undefined,
        message: p.message.replace(/"\{.*$/, "<line>"),
      })),
      continuity: f.continuity && { ...f.continuity, previous: undefined },
    }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

type Damage = (lines: string[], random: () => number) => void;

const pick = (lines: string[], random: () => number, kind = EVENT) => {
  for (;;) {
    const i = 3 + Math.floor(random() * (lines.length - 4));
    if (lines[i]!.startsWith(kind)) return i;
  }
};

const DAMAGES: Record<string, Damage> = {
  remove: (l, r) => void l.splice(pick(l, r), 1),
  swap: (l, r) => {
    const i = pick(l, r);
    [l[i], l[i + 1]] = [l[i + 1]!, l[i]!];
  },
  duplicate: (l, r) => {
    const i = pick(l, r);
    l.splice(i, 0, l[i]!);
  },
  "changed digit": (l, r) => {
    const i = pick(l, r);
    l[i] = l[i]!.replace(/"(\d+)\.(\d)/, (_, a, b) => `"${a}.${(Number(b) + 1) % 10}`);
  },
  "bad price": (l, r) => {
    const i = pick(l, r);
    l[i] = l[i]!.replace(/"b":\[\["[^"]*"/, '"b":[["abc"');
  },
  "u below U": (l, r) => {
    const i = pick(l, r);
    l[i] = l[i]!.replace(/"U":(\d+),"u":(\d+)/, (_, U, u) => `"U":${u},"u":${U}`);
  },
  "crossing bid": (l, r) => {
    const i = pick(l, r);
    l[i] = l[i]!.replace(/"b":\[/, '"b":[["99999.00000000","1.00000000"],');
  },
  "time backwards": (l, r) => {
    const i = pick(l, r);
    l[i] = l[i]!.replace(/"E":(\d+)/, (_, E) => `"E":${Number(E) - 3_600_000}`);
  },
  "not json": (l, r) => void l.splice(pick(l, r), 0, "{not json"),
  "checkpoint quantity": (l, r) => {
    const i = pick(l, r, '{"type":"snapshot"');
    l[i] = l[i]!.replace(/"asks":\[\["([^"]*)","[^"]*"/, '"asks":[["$1","7.77700000"]');
  },
  "gap record": (l, r) => {
    const i = pick(l, r);
    l.splice(i, 0, '{"type":"gap","recv":1,"lastUpdateId":null,"reason":"disconnect"}');
  },
};

Deno.test("verifyFiles() reports the same damage whether event lines are scanned or parsed as JSON (scanner off, or lines it cannot take)", async () => {
  const random = randomSource(7);
  for (const [name, damage] of Object.entries(DAMAGES)) {
    const [a, b] = await realDays("BTCUSDT");
    for (let n = 0; n < 3; n++) damage(b!.lines, random);
    const scanned = await reports([a!, b!]);
    // The same bytes with the reader's scanner off, and lines the scanner would not take.
    const json = await reports([a!, b!], false);
    const parsed = await reports([a!, b!].map((d) => ({ ...d, lines: d.lines.map(reordered) })));
    assert.deepEqual(scanned, json, `${name}, scanner off`);
    assert.deepEqual(scanned, parsed, name);
    const second = scanned[1] as FileReport;
    assert.equal(second.status, name === "gap record" ? "whole" : "damaged", name);
  }
});
