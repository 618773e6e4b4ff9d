import assert from "node:assert/strict";
import { FrameError } from "../binance/parse.ts";
import { silentLogger } from "../util/log.ts";
import { MemorySink } from "./sink.ts";
import { StreamMerge } from "./stream_merge.ts";

const A = { id: 1 };
const B = { id: 2 };

function merge(kind: "trade" | "aggTrade" | "bookTicker") {
  const sink = new MemorySink();
  const m = new StreamMerge("BTCUSDT", kind, { sink, recvNow: () => 9, gapLog: silentLogger });
  m.attach(A);
  m.attach(B);
  return { sink, m };
}

const trade = (t: number) => ({
  e: "trade",
  E: 10,
  s: "BTCUSDT",
  t,
  p: "1.5",
  q: "2",
  T: 10,
  m: false,
  M: true,
});

Deno.test("StreamMerge takes each trade once, from whichever feed brings it first", () => {
  const { sink, m } = merge("trade");
  for (
    const [feed, t] of [[A, 1], [B, 1], [B, 2], [A, 2], [A, 3], [B, 3], [B, 5], [A, 4]] as const
  ) {
    m.take(feed, trade(t), 1);
  }
  const records = sink.of("BTCUSDT", "trade");
  // B brought 5 before A brought 4: 5 waited for 4 (no trade lost, none twice).
  assert.deepEqual(records.map((r) => r.type === "trade" && r.t), [1, 2, 3, 4, 5]);
  assert.deepEqual(records[0], {
    type: "trade",
    recv: 1,
    E: 10,
    t: 1,
    p: "1.5",
    q: "2",
    T: 10,
    m: false,
    M: true,
  });
  assert.equal(m.stats.duplicates, 3);
  assert.deepEqual(sink.of("BTCUSDT"), [], "nothing in the depth stream");
});

Deno.test("StreamMerge: a trade id missing on both feeds is a sequence gap, never a silent loss", () => {
  const { sink, m } = merge("trade");
  m.take(A, trade(1), 1);
  m.take(B, trade(1), 1);
  m.take(A, trade(3), 1); // held: B may still bring 2
  assert.deepEqual(sink.of("BTCUSDT", "trade").map((r) => r.type), ["trade"]);
  m.take(B, trade(3), 1); // B has no 2 either
  const records = sink.of("BTCUSDT", "trade");
  assert.deepEqual(records.map((r) => r.type === "trade" ? r.t : r.type), [1, "gap", 3]);
  assert.deepEqual(records[1], {
    type: "gap",
    recv: 9,
    lastUpdateId: 1,
    reason: "sequence",
    detail: "expected t=2 got t=3",
  });
});

Deno.test("StreamMerge: a trade held for a feed that then goes is taken across a disconnect gap", () => {
  const { sink, m } = merge("aggTrade");
  const agg = (a: number) => ({ ...trade(0), e: "aggTrade", a, f: a, l: a });
  m.take(A, agg(1), 1);
  m.take(B, agg(1), 1);
  m.take(A, agg(4), 1); // held for B
  m.detach(B, "connection 2 closed");
  const records = sink.of("BTCUSDT", "aggTrade");
  assert.deepEqual(records.map((r) => r.type === "aggTrade" ? r.a : r.type), [1, "gap", 4]);
  assert.equal(records[1]!.type === "gap" && records[1]!.reason, "disconnect");
});

Deno.test("StreamMerge records a disconnect gap only when the last feed goes", () => {
  const { sink, m } = merge("trade");
  m.take(A, trade(1), 1);
  m.detach(A, "connection 1 closed");
  m.take(B, trade(2), 1);
  m.detach(B, "connection 2 closed");
  m.detach(B, "again");
  m.attach(A);
  m.detach(A, "closed before any trade");
  m.attach(B);
  m.take(B, trade(9), 1);
  const records = sink.of("BTCUSDT", "trade");
  assert.deepEqual(records.map((r) => r.type), ["trade", "trade", "gap", "trade"]);
  assert.deepEqual(records[2], {
    type: "gap",
    recv: 9,
    lastUpdateId: 2,
    reason: "disconnect",
    detail: "connection 2 closed",
  });
});

Deno.test("StreamMerge drops a bookTicker repeated by the other feed, keeps arrival order", () => {
  const { sink, m } = merge("bookTicker");
  const t = (u: number, b = "1.0") => ({ u, s: "BTCUSDT", b, B: "1", a: "1.1", A: "2" });
  for (
    const [feed, ticker] of [[A, t(1)], [A, t(2)], [B, t(1)], [B, t(2)], [B, t(3)], [A, t(3)], [
      A,
      t(3, "1.05"),
    ]] as const
  ) {
    m.take(feed, ticker, 1);
  }
  const records = sink.of("BTCUSDT", "bookTicker");
  assert.deepEqual(records.map((r) => r.type === "bookTicker" && [r.u, r.b]), [
    [1, "1.0"],
    [2, "1.0"],
    [3, "1.0"],
    [3, "1.05"],
  ]);
  assert.deepEqual(Object.keys(records[0]!), ["type", "recv", "u", "b", "B", "a", "A"]);
});

Deno.test("StreamMerge refuses a malformed event or one of another symbol", () => {
  const { sink, m } = merge("aggTrade");
  const agg = {
    e: "aggTrade",
    E: 1,
    s: "BTCUSDT",
    a: 4,
    p: "1",
    q: "1",
    f: 1,
    l: 2,
    T: 1,
    m: true,
  };
  assert.throws(() => m.take(A, { ...agg, p: "12.3x" }, 1), FrameError);
  assert.throws(() => m.take(A, { ...agg, s: "ETHUSDT" }, 1), FrameError);
  m.take(B, agg, 1);
  assert.equal(sink.of("BTCUSDT", "aggTrade").length, 1);
});
