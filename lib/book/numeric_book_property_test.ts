/**
 * NumericBook against OrderBook: the same random events (prices near a mid, deep books, removals
 * of absent levels, odd spellings, bad input), resets and clears, then the real BTCUSDT and
 * ETHUSDT recordings; after every step both books must agree by value.
 */
import assert from "node:assert/strict";
import { loadRawRecording, sharedDataPath } from "../recording/raw_recording.ts";
import type { DepthSnapshot, DepthUpdate, PriceLevel } from "../binance/types.ts";
import { NumericBook, numericDifference, numericUpdate } from "./numeric_book.ts";
import { OrderBook } from "./order_book.ts";
import { randomSource } from "../util/random.ts";

const BAD_PRICES = ["", " ", "abc", "NaN", "Infinity", "1,5", "."];
const BAD_QUANTITIES = ["", " ", "abc", ".", "-", "0x"];

function randomLevel(random: () => number, mid: number, spread: number): PriceLevel {
  const ticks = Math.round(mid * 100 + (random() - 0.5) * 2 * spread);
  const r = random();
  // The same value spelled several ways: "61830.17000000", "61830.17", "6183017e-2"…
  const price = r < 0.85
    ? (ticks / 100).toFixed(8)
    : r < 0.93
    ? (ticks / 100).toString()
    : r < 0.97
    ? `${ticks}e-2`
    : `${(ticks / 100).toFixed(2)}0`;
  const q = random();
  const quantity = q < 0.4
    ? ["0.00000000", "0", "0.0", "-0", "0e3", "00.000"][Math.floor(random() * 6)]!
    : (random() * 10 + 1e-8).toFixed(random() < 0.5 ? 8 : 3);
  return [price, quantity];
}

function randomLevels(random: () => number, count: number, mid: number, spread: number) {
  return Array.from({ length: count }, () => randomLevel(random, mid, spread));
}

function corrupt(random: () => number, levels: PriceLevel[]): void {
  if (levels.length === 0) levels.push(["1", "1"]);
  const level = levels[Math.floor(random() * levels.length)]!;
  if (random() < 0.5) level[0] = BAD_PRICES[Math.floor(random() * BAD_PRICES.length)]!;
  else level[1] = BAD_QUANTITIES[Math.floor(random() * BAD_QUANTITIES.length)]!;
}

function thrown(fn: () => void): Error | undefined {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  return undefined;
}

const value = (level: PriceLevel | undefined) =>
  level === undefined ? undefined : [Number(level[0]), Number(level[1])];

function check(numeric: NumericBook, strings: OrderBook, context: string): void {
  assert.equal(numeric.lastUpdateId, strings.lastUpdateId, context);
  assert.equal(numeric.bidCount, strings.bidCount, context);
  assert.equal(numeric.askCount, strings.askCount, context);
  assert.deepEqual(numeric.bestBid(), value(strings.bestBid()), context);
  assert.deepEqual(numeric.bestAsk(), value(strings.bestAsk()), context);
  assert.equal(numeric.isCrossed(), strings.isCrossed(), context);
  assert.equal(numericDifference(numeric.snapshot(), strings.snapshot()), undefined, context);
}

for (const seed of [1, 2, 3, 42, 2024]) {
  Deno.test(`NumericBook agrees with OrderBook by value after every random step (seed ${seed})`, () => {
    const random = randomSource(seed);
    const numeric = new NumericBook();
    const strings = new OrderBook();
    let id = 0;
    let mid = 61_830;
    for (let step = 0; step < 500; step++) {
      const context = `seed ${seed} step ${step}`;
      mid += (random() - 0.5) * 2;
      // Books from empty to thousands of levels, so chunks split, merge and empty.
      const spread = random() < 0.5 ? 300 : 20_000;
      const bad = random() < 0.03;
      const r = random();
      if (r < 0.01) {
        numeric.clear();
        strings.clear();
      } else if (r < 0.03 || bad) {
        const snapshot: DepthSnapshot = {
          lastUpdateId: ++id,
          bids: randomLevels(random, Math.floor(random() * 2000), mid - 5, spread),
          asks: randomLevels(random, Math.floor(random() * 2000), mid + 5, spread),
        };
        if (bad) corrupt(random, random() < 0.5 ? snapshot.bids : snapshot.asks);
        const expected = thrown(() => strings.reset(snapshot));
        const actual = thrown(() => numeric.reset(snapshot));
        assert.equal(actual?.message, expected?.message, context);
        assert.equal(actual?.name, expected?.name, context);
        if (expected !== undefined) {
          // OrderBook may be half reset; start both again from the same book.
          const fresh = {
            lastUpdateId: ++id,
            bids: randomLevels(random, 50, mid - 5, 300),
            asks: [],
          };
          strings.reset(fresh);
          numeric.reset(fresh);
        }
      } else {
        const event = {
          U: id + 1,
          u: ++id,
          b: randomLevels(random, Math.floor(random() * 40), mid - 5, spread),
          // Sometimes asks below the bids: a crossed book.
          a: randomLevels(
            random,
            Math.floor(random() * 40),
            random() < 0.05 ? mid - 5 : mid + 5,
            spread,
          ),
        };
        if (random() < 0.03) {
          corrupt(random, random() < 0.5 ? event.b : event.a);
          const expected = thrown(() => strings.apply(event));
          const actual = thrown(() => numeric.apply(numericUpdate(event)));
          assert.ok(expected !== undefined, context);
          assert.equal(actual?.message, expected.message, context);
          const fresh = { lastUpdateId: ++id, bids: [], asks: randomLevels(random, 50, mid, 300) };
          strings.reset(fresh);
          numeric.reset(fresh);
        } else {
          strings.apply(event);
          numeric.apply(numericUpdate(event));
        }
      }
      check(numeric, strings, context);
    }
  });
}

for (const symbol of ["btcusdt", "ethusdt"]) {
  Deno.test(`NumericBook agrees with OrderBook after every real ${symbol} event`, async () => {
    let events = 0;
    let crossed = 0;
    const numeric = new NumericBook();
    const strings = new OrderBook();
    let synced = false;
    // One snapshot, then the diffs of both days.
    for (const day of ["20240808", "20240809"]) {
      for (const message of await loadRawRecording(sharedDataPath(`spot/${symbol}_${day}.gz`))) {
        if (message.kind === "snapshot") {
          strings.reset(message.snapshot);
          numeric.reset(message.snapshot);
          synced = true;
        } else {
          const event = message.frame.data as DepthUpdate;
          if (!synced || event.e !== "depthUpdate" || event.u <= strings.lastUpdateId) continue;
          strings.apply(event);
          numeric.apply(numericUpdate(event));
          events++;
          if (strings.isCrossed()) crossed++;
        }
        check(numeric, strings, `${symbol} ${day} after ${events} events`);
      }
    }
    assert.ok(events > 5_000, `${events} events applied`);
    // Across the gap between the recorded days stale levels remain and the book crosses: both
    // books must agree there too (isCrossed() is compared at every step).
    assert.ok(crossed < events, `${crossed} of ${events} crossed`);
  });
}
