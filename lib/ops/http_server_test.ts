import assert from "node:assert/strict";
import type { HealthReport } from "./health.ts";
import { type BookView, type LiveView, serveOps } from "./http_server.ts";

const BOOK: BookView = {
  lastUpdateId: 42,
  bids: [["100.0", "1"], ["99.5", "2"], ["99.0", "3"]],
  asks: [["100.5", "4"], ["101.0", "5"]],
};

function report(ok: boolean): HealthReport {
  return {
    ok,
    reasons: ok ? [] : ["symbol-out-of-sync: 1 out of sync for over 300 s (ETHUSDT)"],
    checkedAt: 1,
    silentForMs: 0,
    inSync: 1,
    outOfSync: 1,
    symbols: {
      BTCUSDT: { state: "in-sync", since: 0, forMs: 1, ok: true },
      ETHUSDT: { state: "resyncing", since: 0, forMs: 1, ok },
    },
  };
}

function fakeView(): LiveView & { healthy: boolean; depths: number[] } {
  return {
    healthy: true,
    depths: [],
    metricsText: () => "# HELP collector_x X.\n# TYPE collector_x gauge\ncollector_x 1\n",
    health() {
      return report(this.healthy);
    },
    book(symbol, depth) {
      this.depths.push(depth);
      if (symbol === "BTCUSDT") return BOOK;
      if (symbol === "ETHUSDT") return "out-of-sync";
      if (symbol === "BOOM") throw new Error("book exploded");
      return "unknown";
    },
  };
}

async function get(base: string, path: string, init?: RequestInit) {
  const res = await fetch(`http://${base}${path}`, init);
  const body = await res.text();
  return { status: res.status, type: res.headers.get("content-type"), body };
}

Deno.test("serveOps() serves /metrics, /health and /book on a real socket", async () => {
  const view = fakeView();
  const server = await serveOps("127.0.0.1:0", view);
  try {
    assert.equal(server.hostname, "127.0.0.1");
    assert.ok(server.port > 0);
    assert.equal(server.addr, `127.0.0.1:${server.port}`);

    const metrics = await get(server.addr, "/metrics");
    assert.equal(metrics.status, 200);
    assert.equal(metrics.type, "text/plain; version=0.0.4; charset=utf-8");
    assert.equal(metrics.body, view.metricsText());

    const healthy = await get(server.addr, "/health");
    assert.equal(healthy.status, 200);
    assert.deepEqual(JSON.parse(healthy.body), report(true));
    view.healthy = false;
    const sick = await get(server.addr, "/health");
    assert.equal(sick.status, 503);
    assert.deepEqual(JSON.parse(sick.body).reasons, report(false).reasons);

    const book = await get(server.addr, "/book/btcusdt?depth=2");
    assert.equal(book.status, 200);
    assert.equal(book.type, "application/json; charset=utf-8");
    assert.deepEqual(JSON.parse(book.body), {
      symbol: "BTCUSDT",
      lastUpdateId: 42,
      bids: [["100.0", "1"], ["99.5", "2"]],
      asks: [["100.5", "4"], ["101.0", "5"]],
    });
    assert.equal((await get(server.addr, "/book/BTCUSDT")).status, 200);
    assert.deepEqual(view.depths, [2, 20]);

    const index = await get(server.addr, "/");
    assert.equal(index.status, 200);
    assert.match(index.body, /GET \/metrics/);
  } finally {
    await server.close();
  }
});

Deno.test("serveOps() answers 404, 503, 400, 405 and 500 where it should", async () => {
  const view = fakeView();
  const server = await serveOps(":0", view);
  try {
    const unknown = await get(server.addr, "/book/NOPE?depth=5");
    assert.equal(unknown.status, 404);
    assert.deepEqual(JSON.parse(unknown.body), { error: 'Unknown symbol "NOPE": not recorded' });
    const out = await get(server.addr, "/book/ETHUSDT?depth=5");
    assert.equal(out.status, 503);
    assert.equal(JSON.parse(out.body).inSync, false);
    for (const depth of ["0", "-1", "abc", "2.5", "5001", "", "1e3"]) {
      const bad = await get(server.addr, `/book/BTCUSDT?depth=${depth}`);
      assert.equal(bad.status, 400, `depth=${depth}`);
      assert.equal(
        JSON.parse(bad.body).error,
        `Invalid depth "${depth}": expected an integer from 1 to 5000`,
      );
    }
    assert.equal((await get(server.addr, "/book/BTC%2FUSDT")).status, 400);
    assert.equal((await get(server.addr, "/book/%E0")).status, 400);
    assert.equal((await get(server.addr, "/book/")).status, 400);
    assert.equal((await get(server.addr, "/book/A/B")).status, 404);
    assert.equal((await get(server.addr, "/nothing")).status, 404);
    const post = await get(server.addr, "/metrics", { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    const boom = await get(server.addr, "/book/BOOM");
    assert.equal(boom.status, 500);
    assert.match(JSON.parse(boom.body).error, /book exploded/);
    // Only the valid requests reached the view.
    assert.deepEqual(view.depths, [5, 5, 20]);
  } finally {
    await server.close();
  }
});

Deno.test("serveOps() rejects a bad address and a port in use", async () => {
  await assert.rejects(serveOps("nope", fakeView()), /Invalid listen address "nope"/);
  const first = await serveOps("127.0.0.1:0", fakeView());
  try {
    await assert.rejects(serveOps(first.addr, fakeView()), /Cannot listen on "127\.0\.0\.1:\d+"/);
  } finally {
    await first.close();
  }
});
