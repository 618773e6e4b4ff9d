import assert from "node:assert/strict";
import { type BookRow, replayBookRows, type ReplayOptions } from "../lib/replay/book_rows.ts";
import { findRecordings } from "../lib/verify/find_recordings.ts";
import { type DayLines, realBookTickers, realDays, writeDay } from "./helpers/fixtures.ts";

async function replay(days: DayLines[], options: ReplayOptions): Promise<BookRow[]> {
  const dir = await Deno.makeTempDir();
  try {
    for (const day of days) await writeDay(dir, day);
    const rows: BookRow[] = [];
    for await (const batch of replayBookRows(await findRecordings([dir]), options)) {
      rows.push(...batch);
    }
    return rows;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
  Deno.test(`replayBookRows() agrees with every real ${symbol} bookTicker at the same update id`, async () => {
    const rows = await replay(await realDays(symbol), { depth: 20, every: "event" });
    const byId = new Map(rows.map((r) => [r.updateId, r]));
    let matched = 0;
    const wrong: string[] = [];
    for (const t of await realBookTickers(symbol)) {
      const row = byId.get(t.u);
      if (row === undefined) continue;
      const [bid, ask] = [row.bids[0]!, row.asks[0]!];
      if (bid[0] === t.b && bid[1] === t.B && ask[0] === t.a && ask[1] === t.A) matched++;
      else wrong.push(`u=${t.u}: ${bid}/${ask} vs ${t.b}/${t.B} ${t.a}/${t.A}`);
    }
    assert.deepEqual(wrong, []);
    assert.ok(matched > 900, `only ${matched} bookTickers matched`);
    assert.ok(
      rows.length > 6000 && rows.every((r) => r.bids.length === 20 && r.asks.length === 20),
    );
    assert.ok(rows.every((r) => !r.resync), "the day boundary is not a resync");
  });
}

Deno.test("replayBookRows() samples a time grid of E: the book after the events up to each tick", async () => {
  const days = await realDays("BTCUSDT");
  const events = await replay(days, { depth: 5, every: "event" });
  const grid = await replay(days, {
    depth: 5,
    every: 100,
    from: Date.parse("2024-08-08T23:58:00Z"),
    to: Date.parse("2024-08-09T00:01:00Z"),
  });
  assert.equal(grid.length, 3 * 60 * 10);
  let j = 0;
  for (const [i, row] of grid.entries()) {
    assert.equal(row.time, Date.parse("2024-08-08T23:58:00Z") + i * 100);
    while (j + 1 < events.length && events[j + 1]!.time <= row.time) j++;
    assert.equal(row.updateId, events[j]!.updateId, `row at ${new Date(row.time).toISOString()}`);
    assert.deepEqual([row.bids, row.asks], [events[j]!.bids, events[j]!.asks]);
  }
});

Deno.test("replayBookRows() emits nothing out of sync and flags the first row after a resync", async () => {
  const [a, b] = await realDays("BTCUSDT");
  const i = b!.lines.findIndex((l, j) => j > 400 && l.startsWith('{"type":"depthUpdate"'));
  const before = JSON.parse(b!.lines[i - 1]!);
  b!.lines.splice(
    i,
    3,
    JSON.stringify({ type: "gap", recv: 1, lastUpdateId: before.u, reason: "sequence" }),
  );
  const next = b!.lines.findIndex((l, j) => j > i && l.includes('"source":"book"'));
  const resumeId = JSON.parse(b!.lines[next]!).lastUpdateId;
  const rows = await replay([a!, b!], { depth: 3, every: "event" });
  const flagged = rows.filter((r) => r.resync);
  assert.equal(flagged.length, 1);
  const k = rows.indexOf(flagged[0]!);
  assert.equal(rows[k - 1]!.updateId, before.u, "last row before the gap");
  assert.ok(flagged[0]!.updateId > resumeId, "first row after the next snapshot");
  assert.ok(flagged[0]!.time > rows[k - 1]!.time);
});
