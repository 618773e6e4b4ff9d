/**
 * `--shard i/n` against the simulator: n collectors started on the same symbol list follow
 * disjoint shares that together are the whole list, each share the one `shardSymbols` names
 * (whatever the order of the list), and each recorded symbol gets in sync.
 */
import assert from "node:assert/strict";
import { startHarness, until } from "./helpers/collector_harness.ts";
import { shardSymbols } from "../lib/util/shard.ts";

const SYMBOLS = [
  "BTCUSDT",
  "ETHUSDT",
  "BNBUSDT",
  "SOLUSDT",
  "XRPUSDT",
  "ADAUSDT",
  "DOGEUSDT",
  "ETHBTC",
  "LTCUSDT",
  "TRXUSDT",
];

Deno.test("collector: two shards of one list follow disjoint shares that make up the list", async () => {
  const followed: string[][] = [];
  for (let index = 0; index < 2; index++) {
    await using h = await startHarness({
      sim: { symbols: SYMBOLS, updateIntervalMs: 50 },
      // The collector is given the list in another order than the simulator lists it.
      config: { symbols: [...SYMBOLS].reverse(), shard: { index, count: 2 }, redundancy: 1 },
    });
    await h.collector.ready;
    const mine = [...h.collector.states().keys()];
    await until(`shard ${index}/2 in sync`, () => h.collector.stats().inSync === mine.length);
    assert.deepEqual(new Set(mine), new Set(shardSymbols(SYMBOLS, { index, count: 2 })));
    for (const symbol of SYMBOLS) {
      assert.equal(h.sink.of(symbol).length > 0, mine.includes(symbol), symbol);
    }
    assert.ok(
      h.logs.some((l) => l.includes(`Shard ${index}/2: ${mine.length} of ${SYMBOLS.length}`)),
    );
    followed.push(mine);
  }
  assert.ok(followed[0]!.length > 0 && followed[1]!.length > 0, JSON.stringify(followed));
  assert.deepEqual([...followed[0]!, ...followed[1]!].sort(), [...SYMBOLS].sort());
});
