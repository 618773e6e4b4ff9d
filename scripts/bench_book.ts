/**
 * Order book benchmark (`deno task bench book`): level updates per second of our
 * {@linkcode OrderBook} against the order books of `tardis-dev` and `ccxt`, on the real BTCUSDT
 * diff events of both recorded days, all fed the same events in the same run.
 *
 * - Input: the REST snapshot and every diff after it (`u > lastUpdateId`), JSON parsed once,
 *   outside the timed loop. Each pass resets every book from the snapshot (untimed) and applies
 *   all events (timed), so update ids never need to be faked.
 * - Our book takes the exchange's strings and parses prices itself. The baselines get their
 *   native input, converted to numbers beforehand (untimed), which favours them: `tardis-dev`'s
 *   `OrderBook.update()` with `{ price, amount }` levels, and ccxt's `OrderBook` (as
 *   `ccxt.pro.binance` builds it) through `bookSide.store(price, amount)`, as its `handleDelta`.
 * - `NumericBook` (`verify`'s book) gets the same events as numbers, converted beforehand by
 *   `numericUpdate` (untimed), as a scanner reading numbers straight from bytes would hand them.
 * - Rounds alternate the implementations; the median round is reported (the machine is shared).
 * - At the end all books must be identical (counts and every level, compared as numbers):
 *   otherwise the script exits with code 1.
 *
 * @module
 */
import ccxt from "ccxt";
import { OrderBook as TardisOrderBook } from "tardis-dev";
import { loadRawRecording, sharedDataPath } from "../lib/recording/raw_recording.ts";
import type { DepthSnapshot, DepthUpdate, PriceLevel } from "../lib/binance/types.ts";
import { NumericBook, numericUpdate } from "../lib/book/numeric_book.ts";
import { OrderBook } from "../lib/book/order_book.ts";

const ROUNDS = 7;
const PASSES_PER_ROUND = 4;

type NumericLevel = [price: number, amount: number];

/** A book under test: `reset` (untimed) then `run` (timed) replays all events once. */
interface Contender {
  name: string;
  reset(): void;
  run(): void;
  /** Every level, best first, as numbers. */
  levels(): { bids: NumericLevel[]; asks: NumericLevel[] };
}

async function loadEvents(): Promise<{ snapshot: DepthSnapshot; events: DepthUpdate[] }> {
  let snapshot: DepthSnapshot | undefined;
  const events: DepthUpdate[] = [];
  for (const day of ["20240808", "20240809"]) {
    for (const m of await loadRawRecording(sharedDataPath(`spot/btcusdt_${day}.gz`))) {
      if (m.kind === "snapshot") snapshot = m.snapshot;
      else if ((m.frame.data as DepthUpdate).e === "depthUpdate") {
        events.push(m.frame.data as DepthUpdate);
      }
    }
  }
  if (snapshot === undefined) throw new Error("No snapshot in the BTCUSDT recording");
  const id = snapshot.lastUpdateId;
  return { snapshot, events: events.filter((e) => e.u > id) };
}

const toNumbers = (levels: readonly PriceLevel[]): NumericLevel[] =>
  levels.map(([p, q]) => [Number(p), Number(q)]);

function ours(snapshot: DepthSnapshot, events: DepthUpdate[]): Contender & { book: OrderBook } {
  const book = new OrderBook();
  return {
    name: "collector OrderBook",
    book,
    reset: () => book.reset(snapshot),
    run: () => {
      for (let i = 0; i < events.length; i++) book.apply(events[i]!);
    },
    levels: () => {
      const { bids, asks } = book.snapshot();
      return { bids: toNumbers(bids), asks: toNumbers(asks) };
    },
  };
}

/** `verify`'s book: the same events as numbers, converted beforehand (untimed). */
function numeric(snapshot: DepthSnapshot, events: DepthUpdate[]): Contender {
  const book = new NumericBook();
  const updates = events.map(numericUpdate);
  return {
    name: "collector NumericBook",
    reset: () => book.reset(snapshot),
    run: () => {
      for (let i = 0; i < updates.length; i++) book.apply(updates[i]!);
    },
    levels: () => book.snapshot(),
  };
}

function tardis(snapshot: DepthSnapshot, events: DepthUpdate[]): Contender {
  const book = new TardisOrderBook();
  const change = (isSnapshot: boolean, b: readonly PriceLevel[], a: readonly PriceLevel[]) => ({
    type: "book_change" as const,
    symbol: "BTCUSDT",
    exchange: "binance" as const,
    isSnapshot,
    bids: b.map(([p, q]) => ({ price: Number(p), amount: Number(q) })),
    asks: a.map(([p, q]) => ({ price: Number(p), amount: Number(q) })),
    timestamp: new Date(0),
    localTimestamp: new Date(0),
  });
  const first = change(true, snapshot.bids, snapshot.asks);
  const changes = events.map((e) => change(false, e.b, e.a));
  const all = (it: Iterable<{ price: number; amount: number }>) =>
    [...it].map((l): NumericLevel => [l.price, l.amount]);
  return {
    name: "tardis-dev OrderBook",
    reset: () => book.update(first),
    run: () => {
      for (let i = 0; i < changes.length; i++) book.update(changes[i]!);
    },
    levels: () => ({ bids: all(book.bids()), asks: all(book.asks()) }),
  };
}

interface CcxtSide extends Array<NumericLevel> {
  store(price: number, amount: number): void;
}
interface CcxtBook {
  bids: CcxtSide;
  asks: CcxtSide;
  reset(snapshot: { bids: NumericLevel[]; asks: NumericLevel[] }): void;
}

function ccxtBook(snapshot: DepthSnapshot, events: DepthUpdate[]): Contender {
  // The order book class ccxt's Binance websocket client uses (`Exchange.orderBook()`).
  const book = new ccxt.pro.binance().orderBook({}) as unknown as CcxtBook;
  const bids = toNumbers(snapshot.bids);
  const asks = toNumbers(snapshot.asks);
  const deltas = events.map((e) => ({ b: toNumbers(e.b), a: toNumbers(e.a) }));
  return {
    name: "ccxt OrderBook",
    // ccxt keeps (and later mutates) the snapshot's arrays: give it copies.
    reset: () =>
      book.reset({ bids: bids.map((l) => [l[0], l[1]]), asks: asks.map((l) => [l[0], l[1]]) }),
    run: () => {
      const bookBids = book.bids;
      const bookAsks = book.asks;
      for (let i = 0; i < deltas.length; i++) {
        const { a, b } = deltas[i]!;
        for (let j = 0; j < a.length; j++) bookAsks.store(a[j]![0], a[j]![1]);
        for (let j = 0; j < b.length; j++) bookBids.store(b[j]![0], b[j]![1]);
      }
    },
    levels: () => ({
      bids: [...book.bids].map((l): NumericLevel => [l[0], l[1]]),
      asks: [...book.asks].map((l): NumericLevel => [l[0], l[1]]),
    }),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[sorted.length >> 1]!;
}

function firstLevelDifference(
  a: { bids: NumericLevel[]; asks: NumericLevel[] },
  b: { bids: NumericLevel[]; asks: NumericLevel[] },
): string | undefined {
  for (const side of ["bids", "asks"] as const) {
    if (a[side].length !== b[side].length) {
      return `${side} count ${a[side].length} vs ${b[side].length}`;
    }
    for (let i = 0; i < a[side].length; i++) {
      const [x, y] = [a[side][i]!, b[side][i]!];
      if (x[0] !== y[0] || x[1] !== y[1]) return `${side} ${i}: ${x.join("/")} vs ${y.join("/")}`;
    }
  }
  return undefined;
}

/** Nanoseconds per call of `fn`, over enough calls to take about 50 ms. */
function nsPerCall(fn: () => unknown): number {
  let calls = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < calls; i++) fn();
    const elapsed = performance.now() - start;
    if (elapsed > 50) return (elapsed * 1e6) / calls;
    calls *= 2;
  }
}

const { snapshot, events } = await loadEvents();
const levelUpdates = events.reduce((n, e) => n + e.b.length + e.a.length, 0);
console.log(
  `BTCUSDT 2024-08-08/09: snapshot of ${snapshot.bids.length}+${snapshot.asks.length} levels, ` +
    `${events.length} diff events, ${levelUpdates} level updates per pass; ` +
    `${ROUNDS} rounds × ${PASSES_PER_ROUND} passes, median round reported`,
);

const mine = ours(snapshot, events);
const contenders = [
  mine,
  numeric(snapshot, events),
  tardis(snapshot, events),
  ccxtBook(snapshot, events),
];
const rates = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
for (let round = 0; round <= ROUNDS; round++) {
  for (const contender of contenders) {
    let elapsed = 0;
    for (let pass = 0; pass < PASSES_PER_ROUND; pass++) {
      contender.reset();
      const start = performance.now();
      contender.run();
      elapsed += performance.now() - start;
    }
    // Round 0 warms the JIT up and is not counted.
    if (round > 0) {
      rates.get(contender.name)!.push((levelUpdates * PASSES_PER_ROUND) / (elapsed / 1000));
    }
  }
}

const baseline = median(rates.get("tardis-dev OrderBook")!);
console.log("\n| implementation | level updates/s (median) | min–max | vs tardis-dev |");
console.log("| --- | ---: | ---: | ---: |");
for (const contender of contenders) {
  const r = rates.get(contender.name)!;
  const m = median(r);
  const range = `${(Math.min(...r) / 1e6).toFixed(2)}–${(Math.max(...r) / 1e6).toFixed(2)} M`;
  console.log(
    `| ${contender.name} | ${(m / 1e6).toFixed(2)} M | ${range} | ${(m / baseline).toFixed(2)}× |`,
  );
}

// What `verify` replays: 11.6 M level updates (39 passes of these two days), string book vs numeric.
const VERIFY_UPDATES = 11_600_000;
const seconds = (name: string) => (VERIFY_UPDATES / median(rates.get(name)!)).toFixed(2);
console.log(
  `\n${VERIFY_UPDATES / 1e6} M level updates: OrderBook ${seconds("collector OrderBook")} s, ` +
    `NumericBook ${seconds("collector NumericBook")} s (median rates)`,
);

// Every book must end identical to ours.
let failed = false;
const reference = mine.levels();
for (const contender of contenders.slice(1)) {
  const difference = firstLevelDifference(reference, contender.levels());
  if (difference !== undefined) {
    console.log(`\n${contender.name} differs from ours: ${difference}`);
    failed = true;
  }
}
if (!failed) {
  console.log(
    `\nAll books identical after the last pass: ${reference.bids.length} bids, ` +
      `${reference.asks.length} asks, every level equal.`,
  );
}

// Queries read the sorted structure from its end: no sort, cost independent of the book's size.
const small = new OrderBook({
  lastUpdateId: 1,
  bids: snapshot.bids.slice(0, 20),
  asks: snapshot.asks.slice(0, 20),
});
const big = mine.book;
console.log(`\nQuery cost (ns/call) on our book, ${big.bidCount + big.askCount} levels vs 40:`);
console.log("| query | full book | 40-level book |");
console.log("| --- | ---: | ---: |");
const queries: [string, (b: OrderBook) => unknown][] = [
  ["bestBid() + bestAsk()", (b) => [b.bestBid(), b.bestAsk()]],
  ["top(10)", (b) => b.top(10)],
  ["isCrossed()", (b) => b.isCrossed()],
  ["snapshot() (full copy)", (b) => b.snapshot()],
];
for (const [name, query] of queries) {
  const costs = [big, small].map((b) => nsPerCall(() => query(b)).toFixed(0));
  console.log(`| ${name} | ${costs[0]} | ${costs[1]} |`);
}

if (failed) Deno.exit(1);
