import assert from "node:assert/strict";
import { headerLine, writeDay } from "../../tests/helpers/fixtures.ts";
import { addCounts, countRecord, emptyCounts, recordCounter } from "./record_counts.ts";
import { readRecords } from "./record_reader.ts";

Deno.test("recordCounter() counts events, snapshots and gaps and the update-id range, bad lines not", async () => {
  const lines = [
    headerLine("BTCUSDT", "2024-08-08", 1),
    '{"type":"gap","recv":1,"lastUpdateId":null,"reason":"start"}',
    '{"type":"depthUpdate","recv":1,"E":2,"U":10,"u":12,"b":[],"a":[]}',
    '{"type":"snapshot","recv":1,"lastUpdateId":12,"bids":[],"asks":[],"source":"book"}',
    '{"type":"depthUpdate","recv":1,"E":2,"U":13,"u":20,"b":[["1","x"]],"a":[]}',
    '{"type":"depthUpdate","recv":1,"E":2,"U":21,"u":22,"b":[],"a":[]', // not a record
    '{"type":"clock","recv":1,"serverTime":1,"offsetMs":0,"rttMs":1}',
  ];
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeDay(dir, { symbol: "BTCUSDT", date: "2024-08-08", lines });
    for (const scanner of [true, false]) {
      const counts = emptyCounts();
      for await (const _ of readRecords(path, recordCounter(counts), { scanner }));
      const expected = { firstUpdateId: 10, lastUpdateId: 20, events: 2, snapshots: 1, gaps: 1 };
      assert.deepEqual(counts, expected);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("addCounts() keeps the first range start and takes the later end", () => {
  const into = { firstUpdateId: 1, lastUpdateId: 5, events: 2, snapshots: 0, gaps: 1 };
  addCounts(into, { firstUpdateId: 6, lastUpdateId: 9, events: 3, snapshots: 1, gaps: 0 });
  assert.deepEqual(into, { firstUpdateId: 1, lastUpdateId: 9, events: 5, snapshots: 1, gaps: 1 });
  addCounts(into, emptyCounts());
  assert.equal(into.lastUpdateId, 9);
});

Deno.test("countRecord() counts trades, aggTrades and bookTickers as events, with their own ids", () => {
  const trade = { type: "trade", recv: 1, E: 2, t: 7, p: "1", q: "1", T: 2, m: true } as const;
  const agg = { type: "aggTrade", recv: 1, E: 2, a: 3, p: "1", q: "1", f: 1, l: 2, T: 2, m: true };
  const ticker = { type: "bookTicker", recv: 1, u: 40, b: "1", B: "1", a: "2", A: "1" } as const;
  const counts = emptyCounts();
  countRecord(counts, trade);
  countRecord(counts, { ...trade, t: 8 });
  countRecord(counts, { type: "gap", recv: 1, lastUpdateId: 8, reason: "disconnect" });
  assert.deepEqual(counts, { firstUpdateId: 7, lastUpdateId: 8, events: 2, snapshots: 0, gaps: 1 });
  const other = emptyCounts();
  countRecord(other, agg as Parameters<typeof countRecord>[1]);
  countRecord(other, ticker);
  assert.deepEqual(other, { firstUpdateId: 3, lastUpdateId: 40, events: 2, snapshots: 0, gaps: 0 });
});
