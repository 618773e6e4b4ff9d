import assert from "node:assert/strict";
import type { DepthSnapshot, PriceLevel } from "../binance/types.ts";
import { firstDifference, OrderBook } from "./order_book.ts";
import { randomSource } from "../util/random.ts";

const prng = randomSource;

/** The obvious implementation: a Map per side, sorted on every read. */
class ReferenceBook {
  bids = new Map<number, PriceLevel>();
  asks = new Map<number, PriceLevel>();
  lastUpdateId = 0;

  reset(snapshot: DepthSnapshot): void {
    this.bids.clear();
    this.asks.clear();
    for (const [p, q] of snapshot.bids) this.#set(this.bids, p, q);
    for (const [p, q] of snapshot.asks) this.#set(this.asks, p, q);
    this.lastUpdateId = snapshot.lastUpdateId;
  }

  apply(event: { u: number; b: PriceLevel[]; a: PriceLevel[] }): void {
    for (const [p, q] of event.b) this.#set(this.bids, p, q);
    for (const [p, q] of event.a) this.#set(this.asks, p, q);
    this.lastUpdateId = event.u;
  }

  #set(side: Map<number, PriceLevel>, price: string, quantity: string): void {
    const key = Number(price);
    const existing = side.get(key);
    if (Number(quantity) === 0) side.delete(key);
    else if (existing) existing[1] = quantity;
    else side.set(key, [price, quantity]);
  }

  snapshot(): DepthSnapshot {
    const sorted = (side: Map<number, PriceLevel>, sign: number) =>
      [...side].sort((x, y) => sign * (y[0] - x[0])).map(([, l]) => [l[0], l[1]] as PriceLevel);
    return {
      lastUpdateId: this.lastUpdateId,
      bids: sorted(this.bids, 1),
      asks: sorted(this.asks, -1),
    };
  }
}

function randomLevel(random: () => number, center: number, spread: number): PriceLevel {
  // Ticks of 0.01 around `center`; several spellings of the same value and of zero.
  const ticks = Math.round(center * 100 + (random() - 0.5) * 2 * spread);
  const price = random() < 0.9 ? (ticks / 100).toFixed(8) : (ticks / 100).toString();
  const r = random();
  const quantity = r < 0.4
    ? (r < 0.3 ? "0.00000000" : r < 0.35 ? "0" : "0.0")
    : (random() * 10).toFixed(random() < 0.5 ? 8 : 3);
  return [price, quantity];
}

function randomLevels(random: () => number, count: number, center: number, spread: number) {
  return Array.from({ length: count }, () => randomLevel(random, center, spread));
}

function check(book: OrderBook, reference: ReferenceBook, context: string): void {
  const expected = reference.snapshot();
  const actual = book.snapshot();
  assert.equal(firstDifference(actual, expected), undefined, context);
  assert.equal(book.bidCount, expected.bids.length, context);
  assert.equal(book.askCount, expected.asks.length, context);
  assert.deepEqual(book.bestBid(), expected.bids[0], context);
  assert.deepEqual(book.bestAsk(), expected.asks[0], context);
  assert.deepEqual(book.top(7), {
    bids: expected.bids.slice(0, 7),
    asks: expected.asks.slice(0, 7),
  });
  const bid = expected.bids[0];
  const ask = expected.asks[0];
  assert.equal(book.isCrossed(), !!bid && !!ask && Number(bid[0]) >= Number(ask[0]), context);
}

for (const seed of [1, 2, 3, 42, 2024]) {
  Deno.test(`OrderBook agrees with a naive Map+sort book after every step (seed ${seed})`, () => {
    const random = prng(seed);
    const book = new OrderBook();
    const reference = new ReferenceBook();
    let id = 0;
    for (let step = 0; step < 600; step++) {
      const r = random();
      // Books from empty to several thousand levels (a chunk holds 64), so chunks split and merge.
      const spread = random() < 0.5 ? 300 : 5000;
      if (r < 0.01) {
        const snapshot = {
          lastUpdateId: ++id,
          bids: randomLevels(random, Math.floor(random() * 2000), 100, spread),
          asks: randomLevels(random, Math.floor(random() * 2000), 200, spread),
        };
        book.reset(snapshot);
        reference.reset(snapshot);
      } else {
        const event = {
          u: ++id,
          b: randomLevels(random, Math.floor(random() * 40), 100, spread),
          a: randomLevels(random, Math.floor(random() * 40), random() < 0.05 ? 100 : 200, spread),
        };
        book.apply(event);
        reference.apply(event);
      }
      check(book, reference, `seed ${seed} step ${step}`);
    }
  });
}

Deno.test("OrderBook stays right while a side is emptied and refilled level by level", () => {
  const book = new OrderBook();
  const reference = new ReferenceBook();
  const prices = Array.from({ length: 700 }, (_, i) => (1000 + i * 0.5).toFixed(2));
  const random = prng(7);
  let id = 0;
  for (const round of [0, 1]) {
    const order = [...prices].sort(() => random() - 0.5);
    for (const price of order) {
      const event = { u: ++id, b: [[price, "1"] as PriceLevel], a: [[price, "2"] as PriceLevel] };
      book.apply(event);
      reference.apply(event);
      check(book, reference, `round ${round} insert ${price}`);
    }
    for (const price of order.reverse()) {
      const event = { u: ++id, b: [[price, "0"] as PriceLevel], a: [[price, "0"] as PriceLevel] };
      book.apply(event);
      reference.apply(event);
      check(book, reference, `round ${round} remove ${price}`);
    }
  }
  assert.equal(book.bidCount + book.askCount, 0);
});
