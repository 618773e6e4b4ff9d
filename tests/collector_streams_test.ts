/**
 * Trades, aggTrades and bookTicker beside depth (`streams`), against the simulator in-process:
 * every trade the simulator sent while connected is recorded exactly once over two connections and
 * after one is dropped; dropping both is a `disconnect` gap in the trade stream; a bad trade frame
 * is never recorded; a stream without depth takes no snapshot.
 */
import assert from "node:assert/strict";
import type { RecordingRecord } from "../lib/recording/records.ts";
import { type Harness, startHarness, until } from "./helpers/collector_harness.ts";

const SYMBOLS = ["BTCUSDT", "ETHUSDT"];
const ALL = ["depth", "trade", "aggTrade", "bookTicker"] as const;

/** Ids (`t`, or `a` for aggTrades) of a symbol's recorded trades, and its gaps. */
function tradeIds(
  records: RecordingRecord[],
  kind: "trade" | "aggTrade",
): { ids: number[]; gaps: RecordingRecord[] } {
  const ids: number[] = [];
  const gaps: RecordingRecord[] = [];
  for (const r of records) {
    if (r.type === "trade" && kind === "trade") ids.push(r.t);
    else if (r.type === "aggTrade" && kind === "aggTrade") ids.push(r.a);
    else if (r.type === "gap") gaps.push(r);
  }
  return { ids, gaps };
}

/** Asserts `ids` are consecutive (each trade once, none missing). */
function assertConsecutive(ids: number[], what: string): void {
  assert.ok(ids.length > 10, `${what}: ${ids.length} recorded`);
  for (let i = 1; i < ids.length; i++) {
    assert.equal(ids[i], ids[i - 1]! + 1, `${what}: ${ids[i]} after ${ids[i - 1]}`);
  }
}

async function openBoth(h: Harness): Promise<void> {
  await h.collector.ready;
  await until("both lanes open", () => h.sim.stats.connectionsOpen === 2);
}

/** Waits until every symbol's trade stream took `n` more trades. */
async function moreTrades(h: Harness, n: number): Promise<void> {
  const merges = [...h.collector.streamMerges().values()].flat().filter((m) => m.kind === "trade");
  const at = merges.map((m) => m.stats.recorded);
  await until(`${n} more trades`, () => merges.every((m, i) => m.stats.recorded >= at[i]! + n));
}

Deno.test("collector: every trade is recorded once over two connections, also after one drops", async () => {
  await using h = await startHarness({
    sim: { symbols: SYMBOLS, updateIntervalMs: 20 },
    config: { streams: [...ALL] },
  });
  await openBoth(h);
  await until("in sync", () => h.collector.stats().inSync === SYMBOLS.length);
  await moreTrades(h, 10);
  h.sim.dropConnections([h.sim.connections()[0]!.id]);
  await until("the dropped lane reopened", () => h.sim.stats.connectionsOpened === 3);
  await until("both lanes open", () => h.sim.stats.connectionsOpen === 2);
  await moreTrades(h, 10);
  await h.collector.stop();
  for (const symbol of SYMBOLS) {
    for (const kind of ["trade", "aggTrade"] as const) {
      const { ids, gaps } = tradeIds(h.sink.of(symbol, kind), kind);
      assertConsecutive(ids, `${symbol} ${kind}`);
      assert.deepEqual(gaps, [], `${symbol} ${kind}: no gap`);
      const last = h.sim.lastTradeIds(symbol)!;
      assert.ok((kind === "trade" ? last.t : last.a) >= ids.at(-1)!);
    }
    const merges = h.collector.streamMerges().get(symbol)!;
    assert.ok(merges.every((m) => m.stats.duplicates > 0), "the other lane's copies dropped");
    // Records as specified: type, recv, then the exchange's fields but e and s.
    const trade = h.sink.of(symbol, "trade")[0]!;
    assert.deepEqual(Object.keys(trade), ["type", "recv", "E", "t", "p", "q", "T", "m", "M"]);
    const agg = h.sink.of(symbol, "aggTrade")[0]!;
    assert.deepEqual(Object.keys(agg), [
      "type",
      "recv",
      "E",
      "a",
      "p",
      "q",
      "f",
      "l",
      "T",
      "m",
      "M",
    ]);
    const tickers = h.sink.of(symbol, "bookTicker");
    assert.ok(tickers.length > 10, `${symbol}: ${tickers.length} bookTickers`);
    assert.deepEqual(Object.keys(tickers[0]!), ["type", "recv", "u", "b", "B", "a", "A"]);
    const keys = tickers.map((r) => JSON.stringify({ ...r, recv: 0 }));
    assert.equal(new Set(keys).size, keys.length, "no bookTicker twice");
    const us = tickers.flatMap((r) => r.type === "bookTicker" ? [r.u] : []);
    assert.ok(us.every((u, i) => i === 0 || u > us[i - 1]!), "bookTickers in order");
    // Depth is recorded as before, on its own.
    assert.ok(h.sink.of(symbol).some((r) => r.type === "depthUpdate"));
    assert.ok(h.sink.of(symbol).every((r) => r.type !== "trade" && r.type !== "bookTicker"));
  }
  assert.equal(h.collector.stats().malformed, 0);
});

Deno.test("collector: losing both connections is a disconnect gap in the trade stream", async () => {
  await using h = await startHarness({
    sim: { symbols: SYMBOLS, updateIntervalMs: 20 },
    config: { streams: ["depth", "trade", "bookTicker"] },
  });
  await openBoth(h);
  await moreTrades(h, 15);
  h.sim.dropConnections();
  await until("both lanes reopened", () => h.sim.stats.connectionsOpened === 4);
  await until("both lanes open", () => h.sim.stats.connectionsOpen === 2);
  await moreTrades(h, 15);
  await h.collector.stop();
  for (const symbol of SYMBOLS) {
    const records = h.sink.of(symbol, "trade");
    const { ids, gaps } = tradeIds(records, "trade");
    assert.equal(gaps.length, 1, JSON.stringify(gaps));
    const at = records.findIndex((r) => r.type === "gap");
    const before = tradeIds(records.slice(0, at), "trade").ids;
    const after = tradeIds(records.slice(at), "trade").ids;
    const gap = gaps[0]!;
    assert.ok(gap.type === "gap" && gap.reason === "disconnect");
    assert.equal(gap.lastUpdateId, before.at(-1));
    assertConsecutive(before, `${symbol} before the gap`);
    assertConsecutive(after, `${symbol} after the gap`);
    assert.ok(after[0]! > before.at(-1)!);
    assert.equal(new Set(ids).size, ids.length);
    const tickerGaps = h.sink.of(symbol, "bookTicker").filter((r) => r.type === "gap");
    assert.equal(tickerGaps.length, 1);
  }
});

Deno.test("collector: a bad trade frame is never recorded; on one connection it is taken from the other, on both it is a marked gap", async () => {
  await using h = await startHarness({
    sim: { symbols: SYMBOLS, updateIntervalMs: 20 },
    config: { streams: ["trade"] },
  });
  await openBoth(h);
  await moreTrades(h, 5);
  const [first] = h.sim.connections();
  h.sim.corruptNextTrade("BTCUSDT", [first!.id]);
  await moreTrades(h, 5);
  h.sim.corruptNextTrade("BTCUSDT");
  await moreTrades(h, 5);
  await h.collector.stop();
  const records = h.sink.of("BTCUSDT", "trade");
  assert.ok(records.every((r) => !JSON.stringify(r).includes("12.3x")), "bad price not recorded");
  const { ids, gaps } = tradeIds(records, "trade");
  const holes = ids.slice(1).filter((id, i) => id !== ids[i]! + 1);
  assert.equal(holes.length, 1, `only the trade bad on both connections is missing: ${holes}`);
  // That hole is announced: a sequence gap right before the trade after it.
  assert.deepEqual(gaps.map((g) => g.type === "gap" && g.reason), ["sequence"]);
  const gapAt = records.indexOf(gaps[0]!);
  const after = records[gapAt + 1]!;
  assert.ok(after.type === "trade" && after.t === holes[0], JSON.stringify(after));
  assert.ok(h.collector.stats().malformed >= 3, `${h.collector.stats().malformed} malformed`);
  assertConsecutive(tradeIds(h.sink.of("ETHUSDT", "trade"), "trade").ids, "ETHUSDT");
});

Deno.test("collector: trades without depth take no snapshot and record no book", async () => {
  await using h = await startHarness({
    sim: { symbols: SYMBOLS, updateIntervalMs: 20 },
    config: { streams: ["trade"] },
  });
  await openBoth(h);
  await moreTrades(h, 10);
  await h.collector.stop();
  assert.equal(h.sim.stats.depthRequests, 0);
  assert.equal(h.collector.states().size, 0);
  for (const symbol of SYMBOLS) {
    assert.deepEqual(h.sink.of(symbol), []);
    assertConsecutive(tradeIds(h.sink.of(symbol, "trade"), "trade").ids, symbol);
  }
  assert.ok(h.collector.connections().every((c) => c.streams === SYMBOLS.length));
});
