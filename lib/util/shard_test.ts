import assert from "node:assert/strict";
import { formatShard, parseShard, shardOf, shardSymbols } from "./shard.ts";

/** 1,500 symbol-like names (BASE + QUOTE), as `symbols: "all"` gives. */
function names(n: number): string[] {
  const quotes = ["USDT", "BTC", "ETH", "FDUSD", "TRY"];
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) out.push(`S${i.toString(36).toUpperCase()}${quotes[i % 5]}`);
  return out;
}

/** A seeded permutation of `list` (xorshift), so a failure reproduces. */
function shuffled(list: readonly string[], seed: number): string[] {
  const out = [...list];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

Deno.test("parseShard() reads i/n and refuses what is not a shard", () => {
  assert.deepEqual(parseShard("0/3"), { index: 0, count: 3 });
  assert.deepEqual(parseShard("2/3"), { index: 2, count: 3 });
  assert.equal(formatShard({ index: 1, count: 4 }), "1/4");
  for (const bad of ["3/3", "1/0", "-1/3", "1", "a/b", "1/3/4", "0/2000", ""]) {
    assert.equal(parseShard(bad), null, bad);
  }
});

Deno.test("shardSymbols() splits a list into complete, disjoint, roughly even shards", () => {
  const all = names(1500);
  for (const count of [1, 2, 3, 7]) {
    const shards = Array.from({ length: count }, (_, index) => shardSymbols(all, { index, count }));
    const seen = new Set<string>();
    for (const shard of shards) {
      for (const s of shard) {
        assert.ok(!seen.has(s), `${s} in two shards of ${count}`);
        seen.add(s);
      }
      // Even within 25 % of the mean (a hash, not a round robin).
      assert.ok(Math.abs(shard.length - all.length / count) <= 0.25 * all.length / count, {
        count,
        sizes: shards.map((x) => x.length),
      } as never);
    }
    assert.equal(seen.size, all.length);
  }
});

Deno.test("shardSymbols() gives a symbol the same shard whatever the order or the list", () => {
  const all = names(1500);
  const shard = { index: 1, count: 3 };
  const expected = new Set(shardSymbols(all, shard));
  for (const seed of [1, 7, 12345]) {
    assert.deepEqual(new Set(shardSymbols(shuffled(all, seed), shard)), expected);
  }
  // The exchange lists other symbols (some delisted, some new): the rest do not move.
  const changed = [...all.slice(100), "NEWCOINUSDT", "OTHERBTC"];
  for (const s of shardSymbols(changed, shard)) {
    if (all.includes(s)) assert.ok(expected.has(s), s);
  }
  for (const s of all.slice(100)) assert.equal(expected.has(s), shardOf(s, 3) === 1);
  // Case does not matter: the config upper-cases symbols, the hash does too.
  assert.equal(shardOf("btcusdt", 5), shardOf("BTCUSDT", 5));
});
