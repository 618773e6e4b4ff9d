/**
 * DepthSync and OrderBook against real Binance recordings (`../shared/data/binance/spot/`): the
 * raw messages are fed in file order, the snapshot when it appears, the diffs as they come.
 */
import assert from "node:assert/strict";
import { loadRawRecording, sharedDataPath } from "../lib/recording/raw_recording.ts";
import type { BookTicker, DepthSnapshot, DepthUpdate } from "../lib/binance/types.ts";
import { DepthSync, type EventOutcome, type SnapshotOutcome } from "../lib/book/depth_sync.ts";

type Message =
  | { kind: "snapshot"; snapshot: DepthSnapshot }
  | { kind: "diff"; event: DepthUpdate }
  | { kind: "ticker"; ticker: BookTicker };

const cache = new Map<string, Promise<Message[]>>();

/** Both days of a symbol, in file order, as typed messages (trades left out). */
function messages(symbol: "btcusdt" | "ethusdt"): Promise<Message[]> {
  let loaded = cache.get(symbol);
  if (loaded === undefined) {
    loaded = (async () => {
      const out: Message[] = [];
      for (const day of ["20240808", "20240809"]) {
        for (const m of await loadRawRecording(sharedDataPath(`spot/${symbol}_${day}.gz`))) {
          if (m.kind === "snapshot") out.push({ kind: "snapshot", snapshot: m.snapshot });
          else if (m.frame.stream.endsWith("@bookTicker")) {
            out.push({ kind: "ticker", ticker: m.frame.data as BookTicker });
          } else if ((m.frame.data as DepthUpdate).e === "depthUpdate") {
            out.push({ kind: "diff", event: m.frame.data as DepthUpdate });
          }
        }
      }
      return out;
    })();
    cache.set(symbol, loaded);
  }
  return loaded;
}

interface Replay {
  sync: DepthSync;
  snapshotOutcomes: SnapshotOutcome[];
  /** Outcome of every diff, in order. */
  outcomes: EventOutcome[];
  /** Index (among diffs) of the diff after which the snapshot arrived. */
  diffsBeforeSnapshot: number;
  /** Tickers whose `u` was the book's update id at some point, and how many agreed. */
  tickersCompared: number;
  tickersAgreeing: number;
  firstDisagreement: string | undefined;
  /** Applied events after which the book was crossed. */
  crossed: number;
}

/** Feeds `list` into a fresh DepthSync, comparing the book with bookTickers along the way. */
function replay(list: readonly Message[]): Replay {
  const sync = new DepthSync();
  const result: Replay = {
    sync,
    snapshotOutcomes: [],
    outcomes: [],
    diffsBeforeSnapshot: -1,
    tickersCompared: 0,
    tickersAgreeing: 0,
    firstDisagreement: undefined,
    crossed: 0,
  };
  // Tickers run ahead of the 100 ms diffs: keep them until the book reaches their `u`.
  const pending = new Map<number, BookTicker>();
  const compare = (ticker: BookTicker) => {
    result.tickersCompared++;
    const bid = sync.book.bestBid();
    const ask = sync.book.bestAsk();
    const actual = `${bid?.join("/")} ${ask?.join("/")}`;
    const expected = `${ticker.b}/${ticker.B} ${ticker.a}/${ticker.A}`;
    if (actual === expected) result.tickersAgreeing++;
    else result.firstDisagreement ??= `u=${ticker.u}: book ${actual}, bookTicker ${expected}`;
  };
  for (const m of list) {
    if (m.kind === "snapshot") {
      result.diffsBeforeSnapshot = result.outcomes.length;
      result.snapshotOutcomes.push(sync.onSnapshot(m.snapshot));
    } else if (m.kind === "diff") {
      const outcome = sync.onEvent(m.event);
      result.outcomes.push(outcome);
      if (outcome.kind !== "applied") continue;
      const id = sync.book.lastUpdateId;
      if (sync.book.isCrossed()) result.crossed++;
      const ticker = pending.get(id);
      if (ticker !== undefined) compare(ticker);
      for (const u of pending.keys()) if (u <= id) pending.delete(u);
    } else {
      const id = sync.lastUpdateId;
      if (id !== null && m.ticker.u === id) compare(m.ticker);
      else if (id === null || m.ticker.u > id) pending.set(m.ticker.u, m.ticker);
    }
  }
  return result;
}

function count(outcomes: readonly EventOutcome[], kind: EventOutcome["kind"]): number {
  return outcomes.filter((o) => o.kind === kind).length;
}

Deno.test("DepthSync syncs BTCUSDT inside the third diff, as documented", async () => {
  const list = await messages("btcusdt");
  const { snapshotOutcomes, diffsBeforeSnapshot, outcomes, sync } = replay(list.slice(0, 200));
  const snapshot = list.find((m) => m.kind === "snapshot");
  assert.equal(snapshot?.kind === "snapshot" && snapshot.snapshot.lastUpdateId, 50093239218);
  assert.equal(diffsBeforeSnapshot, 3);
  // Diffs 1 and 2 end before 50093239218, the third ([50093239208, 50093239224]) bridges it.
  assert.deepEqual(snapshotOutcomes, [{ kind: "synced", applied: 1, dropped: 2 }]);
  assert.deepEqual(outcomes.slice(0, 3).map((o) => o.kind), ["buffered", "buffered", "buffered"]);
  assert.equal(outcomes[3]?.kind, "applied");
  assert.equal(sync.inSync, true);
});

for (const symbol of ["btcusdt", "ethusdt"] as const) {
  Deno.test(`DepthSync applies every diff of both ${symbol} days with no gap`, async () => {
    const list = await messages(symbol);
    const diffs = list.filter((m) => m.kind === "diff").length;
    const r = replay(list);
    assert.equal(r.snapshotOutcomes.length, 1);
    assert.equal(r.snapshotOutcomes[0]?.kind, "synced");
    const { applied, dropped } = r.snapshotOutcomes[0] as { applied: number; dropped: number };
    assert.equal(r.outcomes.length, diffs);
    assert.equal(count(r.outcomes, "gap"), 0);
    assert.equal(count(r.outcomes, "stale"), 0);
    // Every diff is either dropped by the snapshot, or applied (from the buffer or live).
    assert.equal(count(r.outcomes, "buffered"), r.diffsBeforeSnapshot);
    assert.equal(dropped + applied, r.diffsBeforeSnapshot);
    assert.equal(count(r.outcomes, "applied"), diffs - r.diffsBeforeSnapshot);
    const lastDiff = list.findLast((m) => m.kind === "diff");
    assert.equal(r.sync.lastUpdateId, lastDiff?.kind === "diff" && lastDiff.event.u);
  });

  Deno.test(`OrderBook agrees with every bookTicker of ${symbol} at its update id`, async () => {
    const r = replay(await messages(symbol));
    console.log(`${symbol}: ${r.tickersAgreeing}/${r.tickersCompared} bookTickers compared agree`);
    assert.equal(r.firstDisagreement, undefined);
    assert.equal(r.tickersAgreeing, r.tickersCompared);
    assert.ok(r.tickersCompared > 1000, `only ${r.tickersCompared} bookTickers compared`);
  });

  Deno.test(`OrderBook is never crossed replaying ${symbol}`, async () => {
    const r = replay(await messages(symbol));
    assert.equal(r.crossed, 0);
    assert.ok(r.sync.book.bidCount > 1000 && r.sync.book.askCount > 1000);
  });
}

Deno.test("DepthSync reports exactly one gap, with the right ids, when one diff is removed", async () => {
  const list = await messages("btcusdt");
  const diffIndexes = list.flatMap((m, i) => m.kind === "diff" ? [i] : []);
  // One in the middle of the first day, and the first diff of the second day.
  for (const position of [1000, 3451]) {
    const removedAt = diffIndexes[position]!;
    const removed = list[removedAt] as { kind: "diff"; event: DepthUpdate };
    const previous = list[diffIndexes[position - 1]!] as { kind: "diff"; event: DepthUpdate };
    const r = replay(list.toSpliced(removedAt, 1));
    const gaps = r.outcomes.filter((o) => o.kind === "gap");
    assert.deepEqual(gaps, [{
      kind: "gap",
      lastUpdateId: previous.event.u,
      field: "U",
      expected: previous.event.u + 1,
      got: removed.event.u + 1,
    }]);
    // No snapshot follows: the rest stays buffered, out of sync.
    assert.equal(r.sync.inSync, false);
    assert.equal(count(r.outcomes, "applied"), position - r.diffsBeforeSnapshot);
  }
});

Deno.test("DepthSync answers too-old to a real snapshot older than the buffered diffs", async () => {
  const list = await messages("btcusdt");
  const snapshot = (list.find((m) => m.kind === "snapshot") as { snapshot: DepthSnapshot })
    .snapshot;
  const diffs = list.flatMap((m) => m.kind === "diff" ? [m.event] : []);
  // A connection opened on the second day, given the first day's snapshot.
  const sync = new DepthSync();
  for (const event of diffs.slice(3451, 3461)) sync.onEvent(event);
  assert.deepEqual(sync.onSnapshot(snapshot), {
    kind: "too-old",
    firstBufferedU: diffs[3451]!.U,
  });
  assert.equal(sync.inSync, false);
  assert.equal(sync.bufferedCount, 10);
  // And a snapshot just below the first buffered U is still too old (Binance: fetch again).
  assert.deepEqual(sync.onSnapshot({ ...snapshot, lastUpdateId: diffs[3451]!.U - 1 }), {
    kind: "too-old",
    firstBufferedU: diffs[3451]!.U,
  });
});
