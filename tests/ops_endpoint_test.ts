/**
 * The operations endpoint assembled as the collector will: collector metrics, the health policy
 * over a changing state, and live books, scraped over a real socket on 127.0.0.1.
 */
import assert from "node:assert/strict";
import type { PriceLevel } from "../lib/binance/types.ts";
import type { HealthInput, SymbolHealthInput } from "../lib/ops/health.ts";
import { serveOps } from "../lib/ops/http_server.ts";
import { createCollectorMetrics } from "../lib/ops/collector_metrics.ts";
import { LatencyHistogram, LatencyWindow } from "../lib/util/latency.ts";
import { createLiveView } from "../lib/ops/live_view.ts";

const T0 = Date.parse("2025-06-25T00:00:00Z");
const MIN = 60_000;

Deno.test("ops endpoint: metrics, health turning 503 and back, and books, over a real socket", async () => {
  let now = T0;
  const symbols: Record<string, SymbolHealthInput> = {
    BTCUSDT: { state: "resyncing", since: T0 },
    ETHUSDT: { state: "resyncing", since: T0 },
  };
  let lastFrameAt: number | null = null;
  const bids: PriceLevel[] = [];
  for (let i = 0; i < 50; i++) bids.push([(100 - i).toFixed(8), "1.00000000"]);
  const asks: PriceLevel[] = bids.map(([p, q]) => [(200 - Number(p) + 1).toFixed(8), q]);

  const metrics = createCollectorMetrics({ version: "0.1.0", startedAt: T0 });
  const lag = new LatencyHistogram();
  metrics.watchLag(new LatencyWindow(lag, T0), () => now);
  metrics.watchSymbols(() => Object.values(symbols).map((s) => s.state));
  const healthInput = (): HealthInput => ({ startedAt: T0, lastFrameAt, symbols });
  const view = createLiveView({
    registry: metrics.registry,
    healthInput,
    now: () => now,
    book(symbol, depth) {
      const s = symbols[symbol];
      if (!s) return "unknown";
      if (s.state !== "in-sync") return "out-of-sync";
      return { lastUpdateId: 777, bids: bids.slice(0, depth), asks: asks.slice(0, depth) };
    },
  });
  metrics.watchHealth(() => view.health());

  const server = await serveOps("127.0.0.1:0", view);
  const get = async (path: string) => {
    const res = await fetch(`http://${server.addr}${path}`);
    return { status: res.status, body: await res.text() };
  };
  try {
    // Start-up: resyncing, no frame yet, within limits.
    now = T0 + 30_000;
    let health = await get("/health");
    assert.equal(health.status, 200, health.body);
    assert.equal((await get("/book/BTCUSDT?depth=5")).status, 503);

    // Frames arrive, both symbols sync; events flow with some lag.
    now = T0 + MIN;
    lastFrameAt = now;
    symbols.BTCUSDT = { state: "in-sync", since: now };
    symbols.ETHUSDT = { state: "in-sync", since: now };
    metrics.events.inc({ connection: "1" }, 1234);
    for (let i = 0; i < 100; i++) lag.record(20);
    const book = await get("/book/btcusdt?depth=3");
    assert.equal(book.status, 200);
    assert.deepEqual(JSON.parse(book.body), {
      symbol: "BTCUSDT",
      lastUpdateId: 777,
      bids: bids.slice(0, 3),
      asks: asks.slice(0, 3),
    });
    assert.equal((await get("/book/DOGEUSDT")).status, 404);
    assert.equal((await get("/book/BTCUSDT?depth=0")).status, 400);

    const scrape = await get("/metrics");
    assert.equal(scrape.status, 200);
    assert.match(scrape.body, /^collector_events_total\{connection="1"\} 1234$/m);
    assert.match(scrape.body, /^collector_symbols\{state="in-sync"\} 2$/m);
    assert.match(scrape.body, /^collector_event_lag_seconds\{quantile="0.99"\} 0\.01\d+$/m);
    assert.match(scrape.body, /^collector_healthy 1$/m);

    // ETHUSDT loses sync and stays out for over five minutes: 503 naming it.
    symbols.ETHUSDT = { state: "resyncing", since: now, detail: "sequence" };
    now += 5 * MIN + 1;
    lastFrameAt = now;
    health = await get("/health");
    assert.equal(health.status, 503);
    const report = JSON.parse(health.body);
    assert.equal(report.ok, false);
    assert.deepEqual(report.reasons, [
      "symbol-out-of-sync: 1 out of sync for over 300 s (ETHUSDT)",
      "too-many-out-of-sync: 1 of 2 symbols (over 25%)",
    ]);
    assert.equal(report.symbols.ETHUSDT.detail, "sequence");
    assert.equal(report.symbols.BTCUSDT.ok, true);
    assert.match((await get("/metrics")).body, /^collector_healthy 0$/m);

    // It recovers: 200 again.
    symbols.ETHUSDT = { state: "in-sync", since: now };
    assert.equal((await get("/health")).status, 200);

    // The stream goes silent for over a minute: 503.
    now += 61_000;
    health = await get("/health");
    assert.equal(health.status, 503);
    assert.deepEqual(JSON.parse(health.body).reasons, ["no-frames: nothing received for 61 s"]);
  } finally {
    await server.close();
  }
});
