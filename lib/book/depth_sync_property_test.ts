/**
 * DepthSync against a hostile feed: an exchange whose true book is known at every update id, and a
 * network that drops, repeats and reorders events, disconnects, and delivers snapshots late,
 * early or stale. Whatever happens, DepthSync must never claim to be in sync with a wrong book.
 */
import assert from "node:assert/strict";
import type { DepthSnapshot, DepthUpdate, PriceLevel } from "../binance/types.ts";
import { DepthSync } from "./depth_sync.ts";
import { firstDifference } from "./order_book.ts";
import {
  NumericBook,
  numericDifference,
  type NumericUpdate,
  numericUpdate,
} from "./numeric_book.ts";
import { randomSource } from "../util/random.ts";

const prng = randomSource;

/**
 * The exchange: one level change per update id, grouped into events; the book at every id an
 * event covers. With `futures`, ids are shared with other symbols (some between two events are
 * not this symbol's: skipped) and every event carries `pu`, the `u` of the one before.
 */
function exchange(random: () => number, firstId: number, updates: number, futures = false) {
  const bids = new Map<number, string>();
  const asks = new Map<number, string>();
  const truth = new Map<number, DepthSnapshot>();
  const book = (id: number): DepthSnapshot => {
    const sorted = (side: Map<number, string>, sign: number) =>
      [...side].sort((x, y) => sign * (y[0] - x[0])).map(([p, q]): PriceLevel => [
        p.toFixed(2),
        q,
      ]);
    return { lastUpdateId: id, bids: sorted(bids, 1), asks: sorted(asks, -1) };
  };
  truth.set(firstId - 1, book(firstId - 1));
  const events: DepthUpdate[] = [];
  let id = firstId;
  let pu = firstId - 1;
  while (id < firstId + updates) {
    if (futures && random() < 0.5) id += 1 + Math.floor(random() * 4);
    const size = 1 + Math.floor(random() * 8);
    const changed = { b: new Map<number, string>(), a: new Map<number, string>() };
    const U = id;
    for (let k = 0; k < size; k++, id++) {
      const bid = random() < 0.5;
      const price = (bid ? 100 : 130) + Math.floor(random() * 30) / 1 + (random() < 0.5 ? 0.5 : 0);
      const quantity = random() < 0.35 ? "0.00000000" : (random() * 5 + 0.01).toFixed(8);
      const side = bid ? bids : asks;
      if (quantity === "0.00000000") side.delete(price);
      else side.set(price, quantity);
      (bid ? changed.b : changed.a).set(price, quantity);
      truth.set(id, book(id));
    }
    const levels = (m: Map<number, string>) =>
      [...m].map(([p, q]): PriceLevel => [p.toFixed(2), q]);
    events.push({
      e: "depthUpdate",
      E: id,
      s: "TEST",
      U,
      u: id - 1,
      ...(futures ? { pu } : {}),
      b: levels(changed.b),
      a: levels(changed.a),
    });
    pu = id - 1;
  }
  return { events, truth };
}

for (
  const [market, seed] of [
    ["spot", 11],
    ["spot", 12],
    ["spot", 13],
    ["spot", 14],
    ["spot", 15],
    ["spot", 16],
    ["usdm", 31],
    ["usdm", 32],
    ["usdm", 33],
    ["usdm", 34],
  ] as const
) {
  Deno.test(`DepthSync (${market}) is never in sync with a wrong book on a hostile feed (seed ${seed})`, () => {
    const random = prng(seed);
    const { events, truth } = exchange(random, 1_000, 4_000, market === "usdm");
    const sync = new DepthSync({ maxBuffered: 50, market });
    const counts = { applied: 0, gap: 0, stale: 0, buffered: 0, synced: 0, snapshots: 0 };
    const check = (context: string) => {
      if (!sync.inSync) return;
      const id = sync.lastUpdateId!;
      const expected = truth.get(id);
      assert.ok(expected, `${context}: in sync at unknown id ${id}`);
      assert.equal(firstDifference(sync.book.snapshot(), expected), undefined, context);
    };
    const deliverSnapshot = (around: number, context: string) => {
      // Inside the buffered run, a little ahead of the events seen (the usual race), or stale.
      const r = random();
      const first = sync.firstBufferedU ?? around;
      const id = r < 0.4
        ? first - 1 + Math.floor(random() * (around - first + 2))
        : r < 0.85
        ? around + Math.floor(random() * 30)
        : around - Math.floor(random() * 300);
      // An id of this symbol's (futures skip some): the nearest one at or below.
      let at = Math.max(999, Math.min(id, 4_999));
      while (!truth.has(at)) at--;
      const snapshot = truth.get(at)!;
      counts.snapshots++;
      if (sync.onSnapshot(structuredClone(snapshot)).kind === "synced") counts.synced++;
      check(`${context} snapshot ${snapshot.lastUpdateId}`);
    };
    const held: DepthUpdate[] = [];
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const r = random();
      const deliver: DepthUpdate[] = [];
      if (r < 0.03) {
        // dropped
      } else if (r < 0.06) {
        held.push(event); // delivered later, out of order
      } else if (r < 0.09) {
        deliver.push(event, event); // repeated
      } else {
        deliver.push(event);
      }
      if (held.length > 0 && random() < 0.3) deliver.push(held.shift()!);
      for (const e of deliver) {
        counts[sync.onEvent(e).kind]++;
        check(`event ${i} [${e.U}, ${e.u}]`);
      }
      if (random() < 0.01) sync.desync();
      if (!sync.inSync && random() < 0.1) deliverSnapshot(event.u, `after event ${i}`);
      if (sync.inSync && random() < 0.005) deliverSnapshot(event.u, `in sync after event ${i}`);
    }
    // The feed was hostile but not hopeless: the book was in sync for a good share of it.
    assert.ok(counts.synced >= 5, JSON.stringify(counts));
    assert.ok(counts.applied > events.length / 4, JSON.stringify(counts));
    assert.ok(counts.gap > 0 && counts.stale > 0, JSON.stringify(counts));
  });
}

for (const seed of [21, 22, 23]) {
  Deno.test(`DepthSync over a NumericBook matches the default one on a hostile feed (seed ${seed})`, () => {
    const random = prng(seed);
    const { events, truth } = exchange(random, 1_000, 3_000);
    const strings = new DepthSync({ maxBuffered: 50 });
    const numbers = new DepthSync<NumericUpdate, NumericBook>({
      maxBuffered: 50,
      book: new NumericBook(),
    });
    const same = (context: string) => {
      assert.equal(numbers.inSync, strings.inSync, context);
      assert.equal(numbers.lastUpdateId, strings.lastUpdateId, context);
      assert.equal(numbers.bufferedCount, strings.bufferedCount, context);
      assert.equal(numbers.firstBufferedU, strings.firstBufferedU, context);
      const difference = numericDifference(numbers.book.snapshot(), strings.book.snapshot());
      assert.equal(difference, undefined, context);
    };
    let synced = 0;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const r = random();
      const deliver = r < 0.03 ? [] : r < 0.06 ? [event, event] : [event];
      if (i > 0 && random() < 0.03) deliver.push(events[i - 1 - Math.floor(random() * i)]!);
      for (const e of deliver) {
        assert.deepEqual(numbers.onEvent(numericUpdate(e)), strings.onEvent(e), `event ${i}`);
        same(`event ${i}`);
      }
      if (random() < 0.01) {
        numbers.desync();
        strings.desync();
      }
      if (!strings.inSync && random() < 0.1) {
        const id = event.u - 40 + Math.floor(random() * 60);
        const snapshot = truth.get(Math.max(999, Math.min(id, 3_999)))!;
        const outcome = strings.onSnapshot(structuredClone(snapshot));
        if (outcome.kind === "synced") synced++;
        assert.deepEqual(numbers.onSnapshot(snapshot), outcome, `snapshot after event ${i}`);
        same(`snapshot after event ${i}`);
      }
    }
    assert.ok(synced >= 3, `synced ${synced} times`);
  });
}
