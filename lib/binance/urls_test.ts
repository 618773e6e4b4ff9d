import assert from "node:assert/strict";
import { combinedStreamUrl, depthStreamName, depthUrl, exchangeInfoUrl, timeUrl } from "./urls.ts";
import { marketDepthWeight } from "./limits.ts";

Deno.test("urls: spot and USDⓈ-M futures paths", () => {
  assert.equal(
    combinedStreamUrl("wss://stream.binance.com:9443/", ["a", "b"]),
    "wss://stream.binance.com:9443/stream?streams=a/b",
  );
  assert.equal(
    combinedStreamUrl("wss://fstream.binance.com", ["btcusdt@depth@100ms"], "usdm"),
    "wss://fstream.binance.com/public/stream?streams=btcusdt@depth@100ms",
  );
  assert.equal(
    depthUrl("https://fapi.binance.com", "BTCUSDT", 1000, "usdm"),
    "https://fapi.binance.com/fapi/v1/depth?symbol=BTCUSDT&limit=1000",
  );
  assert.equal(
    depthUrl("http://h", "BTCUSDT", 100),
    "http://h/api/v3/depth?symbol=BTCUSDT&limit=100",
  );
  assert.equal(exchangeInfoUrl("http://h", "usdm"), "http://h/fapi/v1/exchangeInfo");
  assert.equal(timeUrl("http://h", "usdm"), "http://h/fapi/v1/time");
  assert.equal(timeUrl("http://h"), "http://h/api/v3/time");
});

Deno.test("depthStreamName(): futures' 250 ms stream is the plain @depth", () => {
  assert.equal(depthStreamName("BTCUSDT", "0ms"), "btcusdt@depth@0ms");
  assert.equal(depthStreamName("BTCUSDT", "250ms"), "btcusdt@depth");
  assert.equal(depthStreamName("BTCUSDT", "100ms"), "btcusdt@depth@100ms");
});

Deno.test("marketDepthWeight(): /fapi/v1/depth weighs 2, 5, 10, 20; spot as before", () => {
  assert.deepEqual([5, 50, 100, 500, 1000].map((l) => marketDepthWeight("usdm", l)), [
    2,
    2,
    5,
    10,
    20,
  ]);
  assert.deepEqual([100, 500, 1000, 5000].map((l) => marketDepthWeight("spot", l)), [
    5,
    25,
    50,
    250,
  ]);
});
