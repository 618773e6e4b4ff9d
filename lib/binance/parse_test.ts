import assert from "node:assert/strict";
import {
  asDepthUpdate,
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
