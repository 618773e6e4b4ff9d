import assert from "node:assert/strict";
import type { DepthUpdate } from "../binance/types.ts";
import { createLogger } from "../util/log.ts";
import { FrameRouter, type RoutedFeed } from "./frame_router.ts";

const feed: RoutedFeed = { id: 1, has: (s) => s === "btcusdt@depth@100ms" };
const event = { e: "depthUpdate", E: 1, s: "BTCUSDT", U: 1, u: 2, b: [], a: [] };

function setup() {
  const got: DepthUpdate[] = [];
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l) });
  const router = new FrameRouter({ unknown: log, malformed: log });
  router.add("btcusdt@depth@100ms", { symbol: "BTCUSDT", onEvent: (_f, e) => got.push(e) });
  router.add("ethusdt@depth@100ms", { symbol: "ETHUSDT", onEvent: (_f, e) => got.push(e) });
  return { router, got, lines };
}

Deno.test("FrameRouter.route() hands a depth event to its symbol", () => {
  const t = setup();
  t.router.route(feed, { stream: "btcusdt@depth@100ms", data: event }, 1);
  assert.deepEqual(t.got, [event]);
  assert.equal(t.router.stats.frames, 1);
});

Deno.test("FrameRouter.route() counts unknown streams, unsubscribed ones and bad events", () => {
  const t = setup();
  t.router.route(feed, { stream: "xyzusdt@depth@100ms", data: event }, 1);
  t.router.route(feed, { stream: "ethusdt@depth@100ms", data: { ...event, s: "ETHUSDT" } }, 1);
  t.router.route(feed, { stream: "btcusdt@depth@100ms", data: { ...event, U: "x" } }, 1);
  t.router.route(feed, { stream: "btcusdt@depth@100ms", data: { ...event, s: "ETHUSDT" } }, 1);
  assert.deepEqual(t.got, []);
  assert.deepEqual(t.router.stats, { frames: 4, malformed: 2, unknownStreams: 1, unsubscribed: 1 });
  assert.ok(t.lines.some((l) => l.includes("Event of ETHUSDT on stream btcusdt@depth@100ms")));
});
