/**
 * `collector report` on real recordings: the JSON figures, the page in a real headless Chromium
 * (loads without console errors, shows every symbol worst first, a screenshot), and bad arguments.
 */
import assert from "node:assert/strict";
import type { DayFigures } from "../lib/report/day_figures.ts";
import { visitPage } from "./helpers/chromium.ts";
import { assertUsageError, collector } from "./helpers/collector_process.ts";
import { realDays, realStreamDays, writeDay } from "./helpers/fixtures.ts";

/** BTCUSDT whole, ETHUSDT with one event line removed (a discontinuity): one day each. */
async function dataDir(): Promise<{ dir: string; date: string }> {
  const dir = await Deno.makeTempDir({ prefix: "report-test-" });
  const [btc] = await realDays("BTCUSDT");
  const [eth] = await realDays("ETHUSDT");
  await writeDay(dir, btc!);
  const cut = eth!.lines.findIndex((l, i) => i > 500 && l.includes('"depthUpdate"'));
  eth!.lines.splice(cut, 1);
  await writeDay(dir, eth!);
  return { dir, date: btc!.date };
}

Deno.test("collector report --json: per symbol worst first, with coverage, gaps, rate and lag", async () => {
  const { dir, date } = await dataDir();
  try {
    const result = await collector("report", dir, "--date", date, "--json");
    assert.equal(result.code, 1, `a damaged file: exit 1\n${result.stderr}`);
    const figures = JSON.parse(result.stdout) as DayFigures;
    assert.deepEqual(figures.symbols.map((s) => [s.symbol, s.status]), [
      ["ETHUSDT", "damaged"],
      ["BTCUSDT", "whole"],
    ]);
    const [eth, btc] = figures.symbols as [DayFigures["symbols"][0], DayFigures["symbols"][0]];
    assert.ok(eth.problems.some((p) => p.kind === "discontinuity"), JSON.stringify(eth.problems));
    assert.deepEqual(btc.gaps.map((g) => g.reason), ["start"]);
    assert.equal(btc.eventsPerMinute.length, 1440);
    assert.equal(btc.eventsPerMinute.reduce((a, b) => a + b, 0), btc.events);
    assert.ok(btc.events > 3000, `${btc.events} events`);
    // The third party's clock was about 1.3 s behind the exchange's: the lag is negative.
    assert.ok(btc.lagP50Ms !== null && Math.abs(btc.lagP50Ms) < 5000, `${btc.lagP50Ms}`);
    assert.ok(btc.lagP99Ms! >= btc.lagP50Ms);
    assert.ok(btc.coverage > 0 && btc.coverage < 0.01, `${btc.coverage}`);
    assert.ok(btc.checkpointsMatched > 0);
    // The timeline: the start gap, then in sync until the last event.
    assert.deepEqual(btc.timeline.map((s) => s.state), ["gap", "in-sync"]);
    const inSync = btc.timeline[1]!;
    assert.ok(Math.abs((inSync.to - inSync.from) / 86_400_000 - btc.coverage) < 0.0005);
    assert.deepEqual(
      [figures.summary.symbols, figures.summary.whole, figures.summary.damaged],
      [2, 1, 1],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector report: the page loads in headless Chromium without errors and shows every symbol", async () => {
  const { dir, date } = await dataDir();
  try {
    const out = `${dir}/report.html`;
    const result = await collector("report", dir, "--date", date, "--out", out);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /report: 2 symbols, 2 files \(1 whole, 1 damaged, \d+ gaps\) → /);
    const page = await Deno.readTextFile(out);
    assert.ok(!/\b(src|href)="(https?:)?\/\//.test(page), "self-contained: nothing fetched");
    const visit = await visitPage(`file://${out}`, {
      expression: `({
        symbols: [...document.querySelectorAll("section.symbol")].map((s) => s.dataset.symbol),
        summary: document.getElementById("summary").textContent,
        gapTitles: [...document.querySelectorAll("rect.gap title")].map((t) => t.textContent),
        filtered: (() => {
          const f = document.getElementById("filter");
          f.value = "btc";
          f.dispatchEvent(new Event("input"));
          return [...document.querySelectorAll("section.symbol")].filter((s) => !s.hidden)
            .map((s) => s.dataset.symbol);
        })(),
      })`,
    });
    assert.deepEqual(visit.errors, []);
    const value = visit.value as {
      symbols: string[];
      summary: string;
      gapTitles: string[];
      filtered: string[];
    };
    assert.deepEqual(value.symbols, ["ETHUSDT", "BTCUSDT"], "worst first");
    assert.match(value.summary, /^2 symbols, 2 files: 1 whole, 1 damaged/);
    assert.ok(value.gapTitles.some((t) => t.startsWith("gap: start")), value.gapTitles.join());
    assert.deepEqual(value.filtered, ["BTCUSDT"]);
    // A real picture: a PNG of some size.
    assert.deepEqual([...visit.screenshot.slice(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.ok(visit.screenshot.length > 10_000, `${visit.screenshot.length} bytes`);
    const shot = Deno.env.get("REPORT_SCREENSHOT");
    if (shot) await Deno.writeFile(shot, visit.screenshot);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector report lists a symbol's trade and bookTicker files with its book", async () => {
  const { dir, date } = await dataDir();
  try {
    for (const stream of ["trade", "bookTicker"] as const) {
      const day = (await realStreamDays("BTCUSDT", stream)).find((d) => d.date === date)!;
      await writeDay(dir, day);
    }
    const result = await collector("report", dir, "--date", date, "--json");
    const figures = JSON.parse(result.stdout) as DayFigures;
    assert.equal(figures.summary.symbols, 2);
    assert.equal(figures.summary.files, 4);
    const btc = figures.symbols.find((s) => s.symbol === "BTCUSDT")!;
    assert.deepEqual(btc.streams.map((x) => [x.stream, x.status]).sort(), [
      ["bookTicker", "whole"],
      ["trade", "whole"],
    ]);
    assert.ok(btc.streams.every((x) => x.events > 100), JSON.stringify(btc.streams));
    const page = await collector("report", dir, "--date", date, "--out", "-");
    assert.match(page.stdout, /trade whole \(\d+ events, [\d.]+ KiB\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector report refuses bad arguments with exit 2", async () => {
  const { dir, date } = await dataDir();
  try {
    assertUsageError(await collector("report", dir), "--date");
    assertUsageError(await collector("report", dir, "--date", "2024-02-30"), '"2024-02-30"');
    assertUsageError(await collector("report", "--date", date), "directory");
    const none = await collector("report", dir, "--date", "2020-01-01", "--json");
    assert.equal(none.code, 2);
    assert.match(none.stderr, /No recordings of 2020-01-01/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
