import assert from "node:assert/strict";
import { finishDayFile } from "../lib/recording/manifest.ts";
import { findRecordings } from "../lib/verify/find_recordings.ts";
import type { FileReport, VerifyReport } from "../lib/verify/report.ts";
import { verifyFiles } from "../lib/verify/verify_files.ts";
import { fileSummary, totalsLine } from "../lib/verify/summary.ts";
import {
  type DayLines,
  headerLine,
  realDays,
  realStreamDays,
  writeDay,
} from "./helpers/fixtures.ts";
import { loadRawRecording, sharedDataPath } from "../lib/recording/raw_recording.ts";
import { collector } from "./helpers/collector_process.ts";

async function verifyDays(
  days: DayLines[],
  options: { crossCheck?: boolean; manifest?: boolean } = {},
): Promise<VerifyReport> {
  const dir = await Deno.makeTempDir();
  try {
    for (const day of days) {
      const path = await writeDay(dir, day);
      if (options.manifest) await finishDayFile(path, { symbol: day.symbol, date: day.date });
    }
    return await verifyFiles(await findRecordings([dir]), {
      crossCheck: options.crossCheck ?? false,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function problems(r: VerifyReport | FileReport): string {
  const files = "files" in r ? r.files : [r];
  return JSON.stringify(files.flatMap((f) => f.problems), null, 1);
}

/** The real trades of `symbol`, raw, in arrival order. */
async function rawTrades(symbol: string): Promise<{ t: number; T: number }[]> {
  const out: { t: number; T: number }[] = [];
  for (const name of ["20240808", "20240809"]) {
    const path = sharedDataPath(`spot/${symbol.toLowerCase()}_${name}.gz`);
    for (const m of await loadRawRecording(path)) {
      if (m.kind === "frame" && m.frame.stream.endsWith("@trade")) {
        out.push(m.frame.data as { t: number; T: number });
      }
    }
  }
  return out;
}

for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
  Deno.test(`verifyFiles() passes the real ${symbol} trade and bookTicker files, trade ids continuous across the two days`, async () => {
    const raw = await rawTrades(symbol);
    // The third party's capture has no hole: every trade id follows the one before.
    assert.ok(raw.every((x, i) => i === 0 || x.t === raw[i - 1]!.t + 1));
    const trades = await realStreamDays(symbol, "trade");
    const tickers = await realStreamDays(symbol, "bookTicker");
    assert.deepEqual(trades.map((d) => d.date), ["2024-08-08", "2024-08-09"]);
    const report = await verifyDays([...trades, ...tickers], { manifest: true });
    assert.equal(report.exitCode, 0, problems(report));
    const [day1, day2, ...tickerFiles] = report.files;
    assert.deepEqual(report.files.map((f) => f.stream), [
      "trade",
      "trade",
      ...tickerFiles.map(() => "bookTicker"),
    ]);
    assert.equal(day1!.events + day2!.events, raw.length);
    assert.equal(day1!.firstUpdateId, raw[0]!.t);
    assert.equal(day2!.lastUpdateId, raw.at(-1)!.t);
    assert.equal(day2!.firstUpdateId, day1!.lastUpdateId! + 1);
    assert.equal(day2!.continuity?.status, "continues");
    assert.equal(day1!.gaps.length, 1, "the start gap");
    for (const f of report.files) {
      assert.deepEqual(f.manifest?.mismatches, [], f.path);
      assert.ok(f.inSyncMs > 0 && f.applied === f.events, `${f.path}: ${f.inSyncMs}`);
    }
    // Coverage: the first day runs from its first trade (the 8th, ~23:54) to its last.
    const last = raw.filter((x) => x.T < Date.parse("2024-08-09T00:00:00Z")).at(-1)!;
    assert.equal(day1!.inSyncMs, last.T - raw[0]!.T);
    assert.match(fileSummary(day1!), /trade, 0\.\d MB, [\d,]+ trades, coverage/);
  });
}

/** The real BTCUSDT trade days, `edit` applied to the lines of the second. */
async function editedTrades(edit: (lines: string[]) => void): Promise<FileReport> {
  const [a, b] = await realStreamDays("BTCUSDT", "trade");
  edit(b!.lines);
  const report = await verifyDays([a!, b!]);
  assert.equal(report.files[0]!.status, "whole");
  return report.files[1]!;
}

Deno.test("verifyFiles() names a trade hole, a duplicate, swapped lines, a time out of order or day, a wrong header", async () => {
  const hole = await editedTrades((lines) => lines.splice(100, 3));
  const ids = (await realStreamDays("BTCUSDT", "trade"))[1]!.lines.slice(100, 103)
    .map((l) => JSON.parse(l).t);
  assert.deepEqual(hole.problems.map((p) => [p.kind, p.line, p.missing]), [
    ["discontinuity", 101, [ids[0], ids[2]]],
  ]);
  assert.match(hole.problems[0]!.message, /ids \d+–\d+ are missing \(expected trade id t=/);

  const marked = await editedTrades((lines) =>
    lines.splice(
      100,
      3,
      JSON.stringify({ type: "gap", recv: 1, lastUpdateId: ids[0]! - 1, reason: "disconnect" }),
    )
  );
  assert.equal(marked.status, "whole", problems(marked));
  assert.equal(marked.gaps.length, 1);
  assert.ok(marked.gaps[0]!.durationMs! >= 0);

  const dup = await editedTrades((lines) => lines.splice(50, 0, lines[50]!));
  assert.deepEqual(dup.problems.map((p) => [p.kind, p.line]), [["duplicate", 52]]);

  const swapped = await editedTrades((lines) => {
    [lines[60], lines[61]] = [lines[61]!, lines[60]!];
  });
  assert.deepEqual(swapped.problems.map((p) => [p.kind, p.line]), [["swapped", 61]]);
  assert.match(swapped.problems[0]!.message, /Lines 61 and 62 are out of order/);

  const time = await editedTrades((lines) => {
    const r = JSON.parse(lines[3000]!);
    lines[3000] = JSON.stringify({ ...r, T: r.T - 5_000 });
    const s = JSON.parse(lines.at(-1)!);
    lines[lines.length - 1] = JSON.stringify({ ...s, T: Date.parse("2024-08-10T00:00:00Z") });
  });
  assert.deepEqual(time.problems.map((p) => [p.kind, p.line]), [
    ["time-order", 3001],
    ["outside-day", time.lines],
  ]);

  const header = await editedTrades((lines) => {
    lines[0] = headerLine("BTCUSDT", "2024-08-09", 1, "btcusdt@aggTrade");
  });
  assert.deepEqual(header.problems.map((p) => p.kind), ["header"]);
  assert.match(header.problems[0]!.message, /stream "btcusdt@aggTrade"/);

  const opening = await editedTrades((lines) => lines.splice(1, 2));
  assert.deepEqual(opening.problems.map((p) => [p.kind, p.line]), [["continuity", 2]]);
  assert.equal(opening.continuity?.status, "broken");
  assert.match(opening.continuity!.detail, /^it opens at id \d+, the day before ends at \d+ \(ids/);
});

Deno.test("verifyFiles() checks aggTrade ids and a bookTicker's u never going back", async () => {
  const T = Date.parse("2024-08-08T12:00:00Z");
  const agg = (a: number, f: number, l: number) =>
    JSON.stringify({
      type: "aggTrade",
      recv: T,
      E: T,
      a,
      p: "1.5",
      q: "2",
      f,
      l,
      T,
      m: false,
      M: true,
    });
  const ticker = (u: number) =>
    JSON.stringify({ type: "bookTicker", recv: T + u, u, b: "1", B: "2", a: "3", A: "4" });
  const report = await verifyDays([
    {
      symbol: "BTCUSDT",
      date: "2024-08-08",
      stream: "aggTrade",
      lines: [
        headerLine("BTCUSDT", "2024-08-08", T, "btcusdt@aggTrade"),
        agg(5, 10, 12),
        agg(6, 13, 13),
        agg(9, 20, 21),
        agg(10, 22, 21),
      ],
    },
    {
      symbol: "BTCUSDT",
      date: "2024-08-08",
      stream: "bookTicker",
      lines: [
        headerLine("BTCUSDT", "2024-08-08", T, "btcusdt@bookTicker"),
        ticker(100),
        ticker(100),
        ticker(105),
        ticker(104),
        ticker(106),
      ],
    },
  ]);
  const [aggFile, tickerFile] = report.files;
  assert.deepEqual(aggFile!.problems.map((p) => [p.kind, p.line, p.missing]), [
    ["discontinuity", 4, [7, 8]],
    ["bad-line", 5, undefined],
  ]);
  assert.match(aggFile!.problems[0]!.message, /aggregate trade id a=7/);
  assert.match(aggFile!.problems[1]!.message, /lacks a valid "l"/);
  assert.deepEqual(tickerFile!.problems.map((p) => [p.kind, p.line]), [["swapped", 5]]);
  assert.equal(tickerFile!.events, 5);
});

Deno.test("verify --cross-check: every real bookTicker at the book's update id agrees with the replayed book", async () => {
  const days: DayLines[] = [];
  for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
    days.push(...await realDays(symbol), ...await realStreamDays(symbol, "bookTicker"));
  }
  const report = await verifyDays(days, { crossCheck: true });
  assert.equal(report.exitCode, 0, problems(report));
  const depth = report.files.filter((f) => f.stream === "depth");
  assert.equal(depth.length, 4);
  const by = (symbol: string) =>
    depth.filter((f) => f.symbol === symbol).reduce((n, f) => n + f.crossCheck!.checked, 0);
  // tests/replay_book_test.ts finds 1,072 and 1,056 bookTickers at the u of a replayed row.
  assert.ok(by("BTCUSDT") >= 1072, `BTCUSDT: ${by("BTCUSDT")}`);
  assert.ok(by("ETHUSDT") >= 1056, `ETHUSDT: ${by("ETHUSDT")}`);
  assert.deepEqual(report.crossCheck, { checked: by("BTCUSDT") + by("ETHUSDT"), disagreed: 0 });
  for (const f of depth) {
    assert.ok(f.crossCheck!.checked > 100, `${f.path}: ${f.crossCheck!.checked}`);
  }
  console.log(`cross-check: BTCUSDT ${by("BTCUSDT")}, ETHUSDT ${by("ETHUSDT")} bookTickers agree`);
  assert.match(totalsLine(report, false), /cross-check: [\d,]+ bookTickers checked, 0 disagreed/);
});

Deno.test("verify --cross-check: one depth level changed is a disagreement at its line and u", async () => {
  const [a, b] = await realDays("BTCUSDT");
  const tickers = await realStreamDays("BTCUSDT", "bookTicker");
  const byU = new Map(
    tickers.flatMap((d) => d.lines.slice(1)).map((l) => JSON.parse(l))
      .filter((r) => r.type === "bookTicker").map((r) => [r.u, r]),
  );
  // An event of the second day at whose u the exchange sent a bookTicker.
  const i = b!.lines.findIndex((l, j) => {
    if (j < 500 || !l.startsWith('{"type":"depthUpdate"')) return false;
    return byU.has(JSON.parse(l).u);
  });
  const event = JSON.parse(b!.lines[i]!);
  const ticker = byU.get(event.u);
  event.b = [...event.b.filter(([p]: string[]) => p !== ticker.b), [ticker.b, "123.00000000"]];
  b!.lines[i] = JSON.stringify(event);
  const report = await verifyDays([a!, b!, ...tickers], { crossCheck: true });
  const day2 = report.files[1]!;
  assert.equal(day2.status, "damaged");
  const first = day2.problems.find((p) => p.kind === "cross-check")!;
  assert.equal(first.line, i + 1);
  assert.ok(first.message.includes(`u=${event.u}`), first.message);
  assert.ok(first.message.includes(`best bid ${ticker.b}/${ticker.B}`), first.message);
  assert.ok(first.message.includes("/123,"), first.message);
  assert.ok(day2.crossCheck!.disagreed >= 1);
  assert.equal(report.files[0]!.crossCheck!.disagreed, 0);
  console.log(`changed line ${i + 1}: ${first.message}`);
});

Deno.test("collector verify --cross-check --json: the counts and the stream of every file, exit 0; text names a disagreement, exit 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const [a, b] = await realDays("ETHUSDT");
    const streams = [
      ...await realStreamDays("ETHUSDT", "trade"),
      ...await realStreamDays("ETHUSDT", "bookTicker"),
    ];
    for (const day of [a!, b!, ...streams]) await writeDay(dir, day);
    const json = await collector("verify", "--cross-check", "--json", dir);
    assert.equal(json.code, 0, json.stdout);
    const report = JSON.parse(json.stdout);
    assert.deepEqual(report.crossCheck, { checked: 1056, disagreed: 0 });
    assert.deepEqual(report.files.map((f: FileReport) => f.stream), [
      "depth",
      "depth",
      "trade",
      "trade",
      "bookTicker",
      "bookTicker",
    ]);
    // One quantity of the best ask changed in an event the exchange sent a bookTicker for.
    const tickers = new Set(
      streams.flatMap((d) => d.lines).map((l) => JSON.parse(l)).filter((r) =>
        r.type === "bookTicker"
      ).map((r) => `${r.u} ${r.a}`),
    );
    const i = b!.lines.findIndex((l) => {
      const r = JSON.parse(l);
      return r.type === "depthUpdate" && r.a.some(([p]: string[]) => tickers.has(`${r.u} ${p}`));
    });
    const event = JSON.parse(b!.lines[i]!);
    event.a = event.a.map(([p, q]: string[]) =>
      tickers.has(`${event.u} ${p}`) ? [p, "77"] : [p, q]
    );
    b!.lines[i] = JSON.stringify(event);
    await writeDay(dir, b!);
    const text = await collector("verify", "--cross-check", `${dir}/ETHUSDT`);
    assert.equal(text.code, 1, text.stdout);
    assert.match(
      text.stdout,
      new RegExp(`cross-check \\[line ${i + 1}, byte \\d+, .*u=${event.u} says`),
    );
    assert.match(text.stdout, /disagreed: damage found/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
