/**
 * A client following Binance's "manage a local order book" procedure against the synthetic
 * market rebuilds, after every event, exactly the simulator's own book at that event's `u`.
 */
import assert from "node:assert/strict";
import type { DepthSnapshot, DepthUpdate } from "../lib/binance/types.ts";
import { RawWsClient } from "../lib/simulator/raw_ws_client.ts";
import { startSimulator } from "../lib/simulator/simulator.ts";
import { LocalBook } from "./helpers/local_book.ts";
import type { Simulator } from "../lib/simulator/simulator.ts";

async function snapshot(sim: Simulator, symbol: string): Promise<DepthSnapshot> {
  const response = await fetch(`${sim.url}/api/v3/depth?symbol=${symbol}&limit=5000`);
  return await response.json();
}

/**
 * Follows `stream` of `symbol` the documented way and checks the book after each of `count`
 * events; returns how many snapshots had to be refetched because they were stale.
 */
async function follow(sim: Simulator, symbol: string, stream: string, count: number) {
  const client = await RawWsClient.connect(`${sim.wsUrl}/stream?streams=${stream}`, {
    autoPong: true,
  });
  try {
    const events = () => client.texts.map((t) => JSON.parse(t).data as DepthUpdate);
    await client.waitFor(() => events().length > 0);
    let stale = 0;
    let snap = await snapshot(sim, symbol);
    // A snapshot older than the first buffered event cannot be continued: fetch again.
    while (snap.lastUpdateId < events()[0]!.U - 1) {
      stale++;
      assert.deepEqual(snap, limit(sim.bookAt(symbol, snap.lastUpdateId), 5000));
      snap = await snapshot(sim, symbol);
    }
    await client.waitFor(
      () => events().filter((e) => e.u > snap.lastUpdateId).length >= count,
      15000,
    );
    const pending = events().filter((e) => e.u > snap.lastUpdateId);
    const first = pending[0]!;
    assert.ok(first.U <= snap.lastUpdateId + 1 && snap.lastUpdateId + 1 <= first.u);
    const book = new LocalBook(snap);
    for (const event of pending) {
      if (event !== first) assert.equal(event.U, book.id + 1, "gap in the stream");
      book.apply(event);
      const expected = sim.bookAt(symbol, event.u);
      const got = book.sorted();
      assert.deepEqual(got.bids, expected.bids, `bids after u=${event.u}`);
      assert.deepEqual(got.asks, expected.asks, `asks after u=${event.u}`);
    }
    return { stale, events: pending.length };
  } finally {
    await client.close();
  }
}

function limit(book: DepthSnapshot, n: number): DepthSnapshot {
  return {
    lastUpdateId: book.lastUpdateId,
    bids: book.bids.slice(0, n),
    asks: book.asks.slice(0, n),
  };
}

Deno.test("A client following Binance's procedure equals bookAt(u) after every 100ms event", async () => {
  await using sim = await startSimulator({ levelsPerSide: 1000, updateIntervalMs: 10 });
  const [btc, eth] = await Promise.all([
    follow(sim, "BTCUSDT", "btcusdt@depth@100ms", 150),
    follow(sim, "ETHUSDT", "ethusdt@depth@100ms", 150),
  ]);
  assert.equal(btc.stale + eth.stale, 0);
  assert.ok(btc.events >= 150 && eth.events >= 150);
});

Deno.test("A client of @depth@1000ms equals bookAt(u) after every aggregated event", async () => {
  await using sim = await startSimulator({
    levelsPerSide: 300,
    updateIntervalMs: 10,
    slowStreamTicks: 4,
  });
  const result = await follow(sim, "BTCUSDT", "btcusdt@depth@1000ms", 15);
  assert.ok(result.events >= 15);
});

Deno.test("Stale snapshots are exact older books and the procedure detects them", async () => {
  await using sim = await startSimulator({
    levelsPerSide: 300,
    updateIntervalMs: 10,
    staleSnapshotLag: 30,
  });
  sim.step(40); // enough history for a book 30 events back
  sim.serveStaleSnapshots(2);
  const result = await follow(sim, "ETHUSDT", "ethusdt@depth@100ms", 20);
  assert.equal(result.stale, 2);
  assert.equal(sim.stats.staleSnapshotsServed, 2);
});

Deno.test("With 1500 extra symbols the simulator serves them all with tiny books", async () => {
  await using sim = await startSimulator({
    levelsPerSide: 50,
    updateIntervalMs: 20,
    extraSymbols: 1500,
  });
  assert.equal(sim.symbols().length, 1502);
  const info = await (await fetch(`${sim.url}/api/v3/exchangeInfo`)).json();
  assert.equal(info.symbols.length, 1504);
  const streams = Array.from(
    { length: 1000 },
    (_, i) => `xs${String(i + 1).padStart(4, "0")}usdt@depth@100ms`,
  );
  const client = await RawWsClient.connect(`${sim.wsUrl}/stream?streams=${streams.join("/")}`);
  await client.waitFor(() => client.texts.length >= 50, 10000);
  await client.close();
  const symbols = new Set(client.texts.map((t) => JSON.parse(t).data.s));
  assert.ok(symbols.size >= 20, `${symbols.size} symbols seen`);
  const snap = await snapshot(sim, "XS0007USDT");
  assert.ok(snap.bids.length > 0 && snap.bids.length < 20);
});
