/**
 * Replay of the real BTCUSDT and ETHUSDT recordings (both days each) through the simulator: a
 * plain client built from the REST snapshot and the diffs agrees with every recorded bookTicker
 * whose u equals its book's id, and every snapshot served equals the simulator's own book.
 */
import assert from "node:assert/strict";
import { readRawRecording, sharedDataPath } from "../lib/recording/raw_recording.ts";
import type { BookTicker, DepthSnapshot, DepthUpdate } from "../lib/binance/types.ts";
import { RawWsClient } from "../lib/simulator/raw_ws_client.ts";
import { startSimulator } from "../lib/simulator/simulator.ts";
import { LocalBook } from "./helpers/local_book.ts";
import type { Simulator } from "../lib/simulator/simulator.ts";

const FILES = ["btcusdt_20240808", "btcusdt_20240809", "ethusdt_20240808", "ethusdt_20240809"]
  .map((name) => sharedDataPath(`spot/${name}.gz`));

async function recordedSnapshot(path: string): Promise<DepthSnapshot> {
  for await (const message of readRawRecording(path)) {
    if (message.kind === "snapshot") return message.snapshot;
  }
  throw new Error(`No snapshot in ${path}`);
}

async function depth(sim: Simulator, symbol: string, limit: number): Promise<DepthSnapshot> {
  return await (await fetch(`${sim.url}/api/v3/depth?symbol=${symbol}&limit=${limit}`)).json();
}

Deno.test("Replay of real recordings: bookTickers agree and snapshots equal the simulator's book", async () => {
  const snapshots = {
    BTCUSDT: await recordedSnapshot(FILES[0]!),
    ETHUSDT: await recordedSnapshot(FILES[2]!),
  };
  await using sim = await startSimulator({
    replay: FILES,
    replaySpeed: 250,
    replayAutoStart: false,
    weightPerMinute: 1_000_000, // many 5000-level snapshots below
  });
  assert.deepEqual(sim.symbols().sort(), ["BTCUSDT", "ETHUSDT"]);
  // Before the replay passes it, the recorded snapshot is what is served.
  for (const symbol of ["BTCUSDT", "ETHUSDT"] as const) {
    assert.deepEqual(await depth(sim, symbol, 1000), snapshots[symbol]);
  }
  const streams = ["btcusdt", "ethusdt"].flatMap((s) => [`${s}@depth@100ms`, `${s}@bookTicker`]);
  streams.push("btcusdt@depth@1000ms");
  const client = await RawWsClient.connect(`${sim.wsUrl}/stream?streams=${streams.join("/")}`, {
    autoPong: true,
  });
  sim.startReplay();
  let finished = false;
  const done = sim.replayFinished().then(() => finished = true);
  let snapshotChecks = 0;
  while (!finished) {
    for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
      const served = await depth(sim, symbol, 5000);
      const own = sim.bookAt(symbol, served.lastUpdateId);
      assert.deepEqual(served.bids, own.bids.slice(0, 5000));
      assert.deepEqual(served.asks, own.asks.slice(0, 5000));
      snapshotChecks++;
    }
    await Promise.race([done, new Promise((r) => setTimeout(r, 150))]);
  }
  const expected = { BTCUSDT: 3451 + 3044, ETHUSDT: 3434 + 3036 };
  const isDepth = (t: string) =>
    t.startsWith('{"stream":"btcusdt@depth') ||
    t.startsWith('{"stream":"ethusdt@depth@100ms');
  let received = 0;
  for (
    let waited = 0;
    received < expected.BTCUSDT + expected.ETHUSDT && waited < 10_000;
    waited += 100
  ) {
    await new Promise((r) => setTimeout(r, 100));
    received = client.texts.filter(isDepth).length;
  }
  const frames = () => client.texts.map((t) => JSON.parse(t) as { stream: string; data: unknown });
  await client.close();

  const books = {
    BTCUSDT: new LocalBook(snapshots.BTCUSDT),
    ETHUSDT: new LocalBook(snapshots.ETHUSDT),
  };
  // The bookTicker stream is faster than the 100 ms diffs: a ticker is checked when the book
  // reaches its u, whether it arrived before or after that diff.
  const tickers = new Map<string, BookTicker[]>();
  const depthEvents: DepthUpdate[] = [];
  const slow: DepthUpdate[] = [];
  for (const { stream, data } of frames()) {
    if (stream === "btcusdt@depth@1000ms") slow.push(data as DepthUpdate);
    else if (stream.endsWith("@bookTicker")) {
      const ticker = data as BookTicker;
      const key = `${ticker.s}:${ticker.u}`;
      tickers.set(key, [...(tickers.get(key) ?? []), ticker]);
    } else depthEvents.push(data as DepthUpdate);
  }
  const matched = { BTCUSDT: 0, ETHUSDT: 0 };
  const counts = { BTCUSDT: 0, ETHUSDT: 0 };
  for (const event of depthEvents) {
    const symbol = event.s as keyof typeof books;
    counts[symbol]++;
    const book = books[symbol];
    if (event.u <= book.id) continue;
    if (book.id === snapshots[symbol].lastUpdateId) {
      assert.ok(event.U <= book.id + 1 && book.id + 1 <= event.u, "first event straddles");
    } else {
      assert.equal(event.U, book.id + 1, `continuity of ${symbol} at ${event.U}`);
    }
    book.apply(event);
    for (const ticker of tickers.get(`${symbol}:${event.u}`) ?? []) {
      assert.deepEqual(book.best(book.bids, true), [ticker.b, ticker.B], `bid at u=${ticker.u}`);
      assert.deepEqual(book.best(book.asks, false), [ticker.a, ticker.A], `ask at u=${ticker.u}`);
      matched[symbol]++;
    }
  }
  const first = depthEvents[0];
  // The 1000 ms stream: one event per recorded second, contiguous, ending where the diffs end.
  for (let i = 1; i < slow.length; i++) assert.equal(slow[i]!.U, slow[i - 1]!.u + 1);
  assert.equal(slow[0]!.U, first!.U);
  assert.equal(slow.at(-1)!.u, books.BTCUSDT.id);
  assert.ok(slow.length > 500 && slow.length < 800, `${slow.length} events of 1000 ms`);
  assert.deepEqual(counts, expected);
  assert.equal(first!.E, 1723161255208); // event times are the recorded ones
  console.log(
    `bookTickers matched: ${JSON.stringify(matched)}; snapshot checks: ${snapshotChecks}`,
  );
  assert.ok(matched.BTCUSDT > 1000 && matched.ETHUSDT > 1000);
  assert.ok(snapshotChecks >= 3, `${snapshotChecks} snapshot checks`);
  // At the end the served snapshot is the final book.
  for (const symbol of ["BTCUSDT", "ETHUSDT"] as const) {
    const served = await depth(sim, symbol, 5000);
    assert.equal(served.lastUpdateId, books[symbol].id);
    assert.deepEqual(new Map(served.bids), books[symbol].bids);
  }
});
