/**
 * The lag histogram on real Binance data: receipt time minus event time `E` of every diff event of
 * the shared spot recordings, estimated quantiles against exact ones.
 */
import assert from "node:assert/strict";
import { readRawRecording, sharedDataPath } from "../lib/recording/raw_recording.ts";
import type { DepthUpdate } from "../lib/binance/types.ts";
import { LatencyHistogram } from "../lib/util/latency.ts";

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

Deno.test("LatencyHistogram estimates the real (negative) E-to-receipt lag quantiles within 5%", async () => {
  const lags: number[] = [];
  const histogram = new LatencyHistogram();
  for (const file of ["spot/btcusdt_20240808.gz", "spot/ethusdt_20240808.gz"]) {
    for await (const m of readRawRecording(sharedDataPath(file))) {
      if (m.kind !== "frame") continue;
      const data = m.frame.data as Partial<DepthUpdate>;
      if (data.e !== "depthUpdate" || typeof data.E !== "number") continue;
      const lag = Number(m.recvNs) / 1e6 - data.E;
      lags.push(lag);
      histogram.record(lag);
    }
  }
  assert.ok(lags.length > 6000, `${lags.length} events`);
  assert.equal(histogram.count, lags.length);
  const sorted = lags.toSorted((a, b) => a - b);
  // The recording machine's clock was about 1.3 s behind the exchange's: every lag is negative,
  // which the histogram must keep (a clock check would show the offset).
  assert.ok(sorted.at(-1)! < 0, `largest lag ${sorted.at(-1)} ms`);
  for (const q of [0.5, 0.9, 0.99]) {
    const exact = exactQuantile(sorted, q);
    const estimate = histogram.quantile(q)!;
    assert.ok(
      Math.abs(estimate - exact) <= Math.abs(exact) * 0.05,
      `p${q * 100}: estimate ${estimate} ms, exact ${exact} ms`,
    );
  }
});
