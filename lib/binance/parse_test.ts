import assert from "node:assert/strict";
import {
  asAggTrade,
  asBookTicker,
  asDepthUpdate,
  asTrade,
  FrameError,
  isDecimalLevels,
  isDecimalString,
  parseDepthSnapshot,
} from "./parse.ts";
import { loadRawRecording, sharedDataPath } from "../recording/raw_recording.ts";

Deno.test("isDecimalString() takes the exchange's decimals and nothing else", () => {
  for (const ok of ["0", "0.00000000", "61837.63000000", "27", "0.1", "00012.5"]) {
    assert.ok(isDecimalString(ok), ok);
  }
  for (
    const bad of [
      "",
      ".",
      "1.",
      ".5",
      "1.2.3",
      "12.3x",
      "-1",
      "+1",
      "1e5",
      "0x10",
      " 1",
      "1 ",
      "NaN",
      "Infinity",
      "١٢",
      "1".repeat(41),
      12,
      null,
      ["1"],
    ]
  ) {
    assert.ok(!isDecimalString(bad), JSON.stringify(bad));
  }
  assert.ok(!isDecimalString("0.000", true), "zero is no price");
  assert.ok(isDecimalString("0.001", true));
});

Deno.test("isDecimalLevels() wants pairs of decimals with a price above zero", () => {
  assert.ok(isDecimalLevels([]));
  assert.ok(isDecimalLevels([["1.5", "0.00000000"], ["2", "3"]]));
  assert.ok(!isDecimalLevels([["1.5", "1", "x"]]), "three elements");
  assert.ok(!isDecimalLevels([["0", "1"]]), "zero price");
  assert.ok(!isDecimalLevels([["1", 1]]), "a number");
  assert.ok(!isDecimalLevels({ 0: ["1", "1"] }));
});

Deno.test("every real Binance event and snapshot passes the checks", async () => {
  let events = 0;
  let snapshots = 0;
  for (const name of ["btcusdt_20240808.gz", "ethusdt_20240809.gz"]) {
    for (const m of await loadRawRecording(sharedDataPath(`spot/${name}`))) {
      if (m.kind === "snapshot") {
        snapshots++;
        assert.deepEqual(parseDepthSnapshot(m.text).bids, m.snapshot.bids);
        continue;
      }
      const data = m.frame.data as { e?: string };
      if (data.e !== "depthUpdate") continue;
      asDepthUpdate(data);
      events++;
    }
  }
  assert.ok(events > 6000, `${events} events`);
  assert.equal(snapshots, 1);
});

Deno.test("every real USDⓈ-M futures event and snapshot passes the checks, pu, E and T kept", async () => {
  let events = 0;
  for (const name of ["btcusdt_20240808.gz", "ethusdt_20240808.gz"]) {
    for (const m of await loadRawRecording(sharedDataPath(`usdm/${name}`))) {
      if (m.kind === "snapshot") {
        const s = parseDepthSnapshot(m.text);
        assert.ok(typeof s.E === "number" && typeof s.T === "number", "E and T kept");
        continue;
      }
      const data = m.frame.data as { e?: string };
      if (data.e !== "depthUpdate") continue;
      const event = asDepthUpdate(data);
      assert.ok(typeof event.pu === "number" && typeof event.T === "number");
      events++;
    }
  }
  assert.equal(events, 6551 + 6586);
});

Deno.test("asDepthUpdate() refuses a pu or T that is not an id or a time", () => {
  const event = { e: "depthUpdate", E: 1, s: "BTCUSDT", U: 5, u: 9, b: [], a: [] };
  assert.equal(asDepthUpdate({ ...event, pu: 4, T: 1 }).pu, 4);
  assert.throws(() => asDepthUpdate({ ...event, pu: -1 }), /Malformed depthUpdate/);
  assert.throws(() => asDepthUpdate({ ...event, pu: "4" }), /Malformed depthUpdate/);
  assert.throws(() => asDepthUpdate({ ...event, pu: 2 ** 60 }), /Malformed depthUpdate/);
  assert.throws(() => asDepthUpdate({ ...event, T: "1" }), /Malformed depthUpdate/);
});

Deno.test("parseDepthSnapshot() refuses a snapshot with an unusable level, naming it", () => {
  const body = (bids: unknown) => JSON.stringify({ lastUpdateId: 5, bids, asks: [["2", "1"]] });
  assert.throws(
    () => parseDepthSnapshot(body([["1", "1"], ["12.3x", "1"]])),
    (e: unknown) => e instanceof FrameError && /bids: level \["12\.3x","1"\]/.test(e.message),
  );
  assert.throws(() => parseDepthSnapshot(body([["1", "-2"]])), FrameError);
  assert.throws(() => parseDepthSnapshot(body([["1", "1e3"]])), FrameError);
  assert.throws(() => parseDepthSnapshot(body("x")), FrameError);
  assert.deepEqual(parseDepthSnapshot(body([["1", "1"]])).bids, [["1", "1"]]);
});

Deno.test("asDepthUpdate() refuses an event with an unusable level or time, naming the level", () => {
  const event = (a: unknown, E: unknown = 1) => ({
    e: "depthUpdate",
    E,
    s: "BTCUSDT",
    U: 1,
    u: 2,
    b: [["1", "1"]],
    a,
  });
  assert.throws(
    () => asDepthUpdate(event([["2", "NaN"]])),
    (e: unknown) => e instanceof FrameError && /level \["2","NaN"\]/.test(e.message),
  );
  assert.throws(() => asDepthUpdate(event([["2", "1"]], Infinity)), FrameError);
  assert.throws(() => asDepthUpdate({ ...event([]), U: 3 }), FrameError, "U > u");
  assert.equal(asDepthUpdate(event([["2", "0.0"]])).u, 2);
});

Deno.test("asTrade(), asAggTrade(), asBookTicker() take the exchange's events and refuse bad ones", () => {
  const trade = { e: "trade", E: 1, s: "BTCUSDT", t: 7, p: "61837.63", q: "0.001", T: 1, m: true };
  assert.equal(asTrade({ ...trade, M: true }).t, 7);
  const agg = { ...trade, e: "aggTrade", a: 3, f: 7, l: 9 };
  assert.equal(asAggTrade(agg).a, 3);
  const ticker = { u: 5, s: "BTCUSDT", b: "1.0", B: "2", a: "1.1", A: "0.5" };
  assert.equal(asBookTicker(ticker).u, 5);
  for (
    const bad of [
      { ...trade, p: "12.3x" },
      { ...trade, p: "0.000" },
      { ...trade, q: "-1" },
      { ...trade, t: 1.5 },
      { ...trade, t: 2 ** 53 },
      { ...trade, m: "true" },
      { ...trade, T: "1" },
      { ...trade, e: "aggTrade" },
    ]
  ) assert.throws(() => asTrade(bad), FrameError, JSON.stringify(bad));
  for (const bad of [{ ...agg, f: 10 }, { ...agg, a: -1 }, { ...agg, e: "trade" }, trade]) {
    assert.throws(() => asAggTrade(bad), FrameError, JSON.stringify(bad));
  }
  for (const bad of [{ ...ticker, b: "1e2" }, { ...ticker, u: "5" }, { ...ticker, A: 1 }]) {
    assert.throws(() => asBookTicker(bad), FrameError, JSON.stringify(bad));
  }
});

Deno.test("asTrade() and asBookTicker() take every trade and bookTicker of the real recordings", async () => {
  let trades = 0;
  let tickers = 0;
  for (const day of ["20240808", "20240809"]) {
    for (const m of await loadRawRecording(sharedDataPath(`spot/ethusdt_${day}.gz`))) {
      if (m.kind !== "frame") continue;
      if (m.frame.stream.endsWith("@trade")) trades += asTrade(m.frame.data).t > 0 ? 1 : 0;
      if (m.frame.stream.endsWith("@bookTicker")) {
        tickers += asBookTicker(m.frame.data).u > 0 ? 1 : 0;
      }
    }
  }
  assert.ok(trades > 100 && tickers > 100, `${trades} trades, ${tickers} bookTickers`);
});
