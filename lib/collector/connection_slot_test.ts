import assert from "node:assert/strict";
import { createLogger } from "../util/log.ts";
import type { Connection } from "./connection.ts";
import { ConnectionPacer } from "./connection_pacer.ts";
import { emptyPoolStats, type PoolHooks } from "./connection_pool.ts";
import { ConnectionSlot, type SlotContext, type SlotFeeds } from "./connection_slot.ts";

const SYMBOLS = ["BTCUSDT", "ETHUSDT"];

/** A local WebSocket server that accepts every connection and sends nothing. */
function serve() {
  const sockets: WebSocket[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    sockets.push(socket);
    return response;
  });
  return {
    wsUrl: `ws://127.0.0.1:${server.addr.port}`,
    sockets,
    async [Symbol.asyncDispose]() {
      for (const s of sockets) if (s.readyState === WebSocket.OPEN) s.close();
      await server.shutdown();
    },
  };
}

function waitFor(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) resolve();
      else if (Date.now() - start > ms) reject(new Error(`Timed out waiting for ${what}`));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

/** A slot with feeds that record what they are told; `state.pending` answers `pending`. */
function setup(wsUrl: string, options: { rolloverAfterMs?: number; handoffTimeoutMs?: number }) {
  const calls: string[] = [];
  const conns: Connection[] = [];
  const logs: string[] = [];
  const state = { pending: SYMBOLS.length, stopping: false };
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const hooks: PoolHooks = { onFrame: () => {} };
  const feeds: SlotFeeds = {
    attach: (symbols, conn) => {
      conns.push(conn);
      calls.push(`attach ${conn.id} ${symbols.join(",")}`);
    },
    beginHandoff: (_s, conn) => {
      conns.push(conn);
      calls.push(`beginHandoff ${conn.id}`);
    },
    pending: () => state.pending,
    detach: (_s, conn, detail) => calls.push(`detach ${conn.id}: ${detail}`),
  };
  const ctx: SlotContext = {
    feeds,
    options: {
      runs: new Map(),
      maxHeld: 100,
      wsUrl,
      speed: "100ms",
      groups: [SYMBOLS],
      silenceTimeoutMs: 5000,
      rolloverAfterMs: options.rolloverAfterMs ?? 60_000,
      reconnectBaseMs: 10,
      reconnectMaxMs: 20,
      ...(options.handoffTimeoutMs ? { handoffTimeoutMs: options.handoffTimeoutMs } : {}),
      log: createLogger({ write: (line) => void logs.push(line) }),
      hooks,
    },
    stats: emptyPoolStats(),
    pacer: new ConnectionPacer({ minIntervalMs: 0 }),
    now: Date.now,
    later: (ms, fn) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!state.stopping) fn();
      }, Math.max(0, ms));
      timers.add(timer);
      return timer;
    },
    get stopping() {
      return state.stopping;
    },
  };
  const slot = new ConnectionSlot(0, SYMBOLS, ctx);
  return {
    slot,
    ctx,
    calls,
    conns,
    logs,
    state,
    roles: () => slot.connections().map((c) => `${c.role} ${c.id}`),
    async [Symbol.asyncDispose]() {
      state.stopping = true;
      for (const t of timers) clearTimeout(t);
      slot.stop();
      await Promise.all(conns.map((c) => c.close(1000, "Test over", 500)));
    },
  };
}

Deno.test("ConnectionSlot opens its streams and hands over to a replacement once all switched", async () => {
  await using server = serve();
  await using t = setup(server.wsUrl, {});
  assert.equal(
    t.slot.url,
    `${server.wsUrl}/stream?streams=btcusdt@depth@100ms/ethusdt@depth@100ms`,
  );
  t.slot.start();
  await waitFor("the first connection", () => t.conns[0]?.isOpen === true);
  const [first] = t.conns as [Connection];
  assert.deepEqual(t.calls, [`attach ${first.id} BTCUSDT,ETHUSDT`]);
  t.slot.replace("requested");
  t.slot.replace("requested"); // one replacement at a time
  await waitFor("the replacement", () => t.conns[1]?.isOpen === true);
  const second = t.conns[1]!;
  assert.deepEqual(t.roles(), [`current ${first.id}`, `next ${second.id}`]);
  t.slot.switched(second); // one symbol still to switch: nothing happens
  assert.deepEqual(t.roles(), [`current ${first.id}`, `next ${second.id}`]);
  t.state.pending = 0;
  t.slot.switched(first); // not the replacement: ignored
  assert.deepEqual(t.roles(), [`current ${first.id}`, `next ${second.id}`]);
  t.slot.switched(second);
  assert.deepEqual(t.roles(), [`current ${second.id}`, `retiring ${first.id}`]);
  await first.closed;
  await waitFor("the old one retired", () => t.roles().length === 1);
  assert.deepEqual(t.roles(), [`current ${second.id}`]);
  assert.deepEqual(t.calls, [
    `attach ${first.id} BTCUSDT,ETHUSDT`,
    `beginHandoff ${second.id}`,
    `detach ${first.id}: connection ${first.id} replaced by ${second.id}`,
  ]);
  const stats = t.ctx.stats;
  assert.equal(stats.rollovers, 1);
  assert.equal(stats.handoffsCompleted, 1);
  assert.equal(stats.handoffsForced, 0);
  assert.equal(stats.connectionsOpened, 2);
  assert.equal(stats.drops, 0);
  assert.ok(t.logs.some((l) => l.includes(`Connection ${second.id} took over from ${first.id}`)));
});

Deno.test("ConnectionSlot starts the replacement itself after rolloverAfterMs", async () => {
  await using server = serve();
  await using t = setup(server.wsUrl, { rolloverAfterMs: 50 });
  t.state.pending = 0; // every symbol switches at once
  t.slot.start();
  await waitFor("a rollover", () => t.ctx.stats.handoffsCompleted >= 1);
  assert.ok(t.ctx.stats.rollovers >= 1);
  assert.equal(t.ctx.stats.handoffsForced, 0);
  assert.equal(t.calls[1], `beginHandoff ${t.conns[1]!.id}`);
  assert.ok(t.logs.some((l) => l.includes(`Replacing connection ${t.conns[0]!.id} (rollover)`)));
});

Deno.test("ConnectionSlot forces a handoff that takes too long", async () => {
  await using server = serve();
  await using t = setup(server.wsUrl, { handoffTimeoutMs: 50 });
  t.slot.start();
  await waitFor("the first connection", () => t.conns[0]?.isOpen === true);
  t.slot.replace("requested");
  await waitFor("the forced handoff", () => t.ctx.stats.handoffsForced === 1);
  const [first, second] = t.conns as [Connection, Connection];
  assert.deepEqual(t.calls, [
    `attach ${first.id} BTCUSDT,ETHUSDT`,
    `beginHandoff ${second.id}`,
    `detach ${first.id}: handoff timed out`,
  ]);
  assert.equal(t.ctx.stats.handoffsCompleted, 0);
  assert.equal(t.slot.connections()[0]!.id, second.id);
});

Deno.test("ConnectionSlot reopens a dropped connection with backoff and reports the drop", async () => {
  await using server = serve();
  await using t = setup(server.wsUrl, {});
  t.slot.start();
  await waitFor("the first connection", () => t.conns[0]?.isOpen === true);
  server.sockets[0]!.close(1011, "Going away");
  await waitFor("the reconnect", () => t.conns[1]?.isOpen === true);
  const [first, second] = t.conns as [Connection, Connection];
  assert.deepEqual(t.calls, [
    `attach ${first.id} BTCUSDT,ETHUSDT`,
    `detach ${first.id}: connection ${first.id} closed (1011 Going away)`,
    `attach ${second.id} BTCUSDT,ETHUSDT`,
  ]);
  assert.equal(t.ctx.stats.drops, 1);
  assert.equal(t.ctx.stats.reconnects, 1);
  assert.ok(t.logs.some((l) => l.includes(`Connection ${first.id} lost (1011); reconnecting in`)));
  assert.equal(t.slot.has(first), false);
  assert.equal(t.slot.has(second), true);
});
