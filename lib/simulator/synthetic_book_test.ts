import assert from "node:assert/strict";
import { formatUnits, SyntheticBook } from "./synthetic_book.ts";
import { SyntheticMarket } from "./synthetic_market.ts";

const spec = {
  symbol: "BTCUSDT",
  midTicks: 6_183_763,
  tickUnits: 1_000_000,
  levelsPerSide: 500,
  firstUpdateId: 50_000_000_000,
  seed: 42,
};

Deno.test("formatUnits() writes Binance's 8-decimal strings", () => {
  assert.equal(formatUnits(0), "0.00000000");
  assert.equal(formatUnits(123), "0.00000123");
  assert.equal(formatUnits(6_183_763_000_000), "61837.63000000");
});

Deno.test("SyntheticBook.next() chains ids, changes the top most, and never crosses", () => {
  const book = new SyntheticBook(spec);
  const first = book.snapshot();
  assert.equal(first.bids.length, 500);
  assert.equal(first.asks.length, 500);
  assert.equal(first.bids[0]![0], "61837.62000000");
  assert.equal(first.lastUpdateId, 49_999_999_999);
  let previous = first.lastUpdateId;
  let removals = 0;
  let multiId = 0;
  let near = 0;
  let far = 0;
  for (let i = 0; i < 2000; i++) {
    const before = book.snapshot();
    const event = book.next(1_000 + i);
    const mid = (Number(before.bids[0]![0]) + Number(before.asks[0]![0])) / 2;
    for (const [p] of [...event.b, ...event.a]) {
      if (Math.abs(Number(p) - mid) <= 0.2) near++;
      else far++;
    }
    assert.equal(event.U, previous + 1);
    assert.ok(event.u >= event.U);
    if (event.u > event.U) multiId++;
    previous = event.u;
    removals += [...event.b, ...event.a].filter(([, q]) => q === "0.00000000").length;
    const snap = book.snapshot();
    assert.ok(Number(snap.bids[0]![0]) < Number(snap.asks[0]![0]), `crossed after event ${i}`);
  }
  assert.ok(removals > 1000, `removals ${removals}`);
  assert.ok(near > 3 * far, `changes near the top ${near}, elsewhere ${far}`);
  assert.ok(far > 0);
  assert.ok(multiId > 1500, `events with several ids ${multiId}`);
  const size = book.snapshot().bids.length;
  assert.ok(size > 300 && size < 700, `book size drifted to ${size}`);
});

Deno.test("SyntheticMarket.tick() is deterministic given a seed", () => {
  const run = (seed: number) => {
    const market = new SyntheticMarket({
      symbols: ["BTCUSDT", "ETHUSDT"],
      extraSymbols: 20,
      seed,
      levelsPerSide: 100,
    });
    return Array.from({ length: 50 }, (_, i) => market.tick(i));
  };
  assert.deepEqual(run(7), run(7));
  assert.notDeepEqual(run(7), run(8));
  const market = new SyntheticMarket({
    symbols: ["BTCUSDT"],
    extraSymbols: 3,
    seed: 1,
    levelsPerSide: 10,
  });
  assert.deepEqual(market.symbols, ["BTCUSDT", "XS0001USDT", "XS0002USDT", "XS0003USDT"]);
  assert.equal(market.histories.get("XS0002USDT")!.snapshot().bids.length, 5);
});
