import assert from "node:assert/strict";
import { serverShutdownFrame } from "../binance/connection_events.ts";
import type { CombinedFrame } from "../binance/types.ts";
import { type CloseInfo, Connection } from "./connection.ts";

/** A local WebSocket server that sends `messages` on open, then stays silent. */
function serve(messages: string[]) {
  const sockets: WebSocket[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.onopen = () => {
      for (const m of messages) socket.send(m);
    };
    sockets.push(socket);
    return response;
  });
  return {
    url: `ws://127.0.0.1:${server.addr.port}/stream?streams=a@depth`,
    sockets,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

function waitFor(check: () => boolean, ms = 3000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) resolve();
      else if (Date.now() - start > ms) reject(new Error("Timed out"));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

Deno.test("Connection parses frames, counts malformed ones and hears serverShutdown", async () => {
  const good = JSON.stringify({ stream: "a@depth", data: { e: "depthUpdate" } });
  await using server = serve([good, "not json", '{"no":"stream"}', serverShutdownFrame(1), good]);
  const frames: CombinedFrame[] = [];
  let malformed = 0;
  let notices = 0;
  const conn = new Connection({
    url: server.url,
    streams: ["a@depth"],
    silenceTimeoutMs: 5000,
    onFrame: (_c, frame, recv) => {
      assert.ok(recv > 1.7e12);
      frames.push(frame);
    },
    onMalformed: () => malformed++,
    onShutdownNotice: () => notices++,
  });
  try {
    await waitFor(() => frames.length === 2);
    assert.equal(malformed, 2);
    assert.equal(conn.stats.malformed, 2);
    assert.equal(notices, 1);
    assert.equal(conn.stats.messages, 5);
    assert.equal(frames[0]!.stream, "a@depth");
    assert.ok(conn.isOpen);
  } finally {
    await conn.close();
  }
  assert.equal(conn.isOpen, false);
});

Deno.test("Connection reports silence once, after silenceTimeoutMs", async () => {
  await using server = serve(["x"]);
  let silentAt = 0;
  let silences = 0;
  let openedAt = 0;
  const conn = new Connection({
    url: server.url,
    streams: ["a@depth"],
    silenceTimeoutMs: 150,
    onOpen: () => openedAt = Date.now(),
    onFrame: () => {},
    onSilent: () => {
      silences++;
      silentAt = Date.now();
    },
  });
  try {
    await waitFor(() => silences > 0);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(silences, 1);
    assert.ok(silentAt - openedAt >= 140, `${silentAt - openedAt} ms`);
  } finally {
    await conn.close();
  }
});

Deno.test("Connection reports a drop by the server with its close code", async () => {
  await using server = serve([]);
  let info: CloseInfo | undefined;
  const conn = new Connection({
    url: server.url,
    streams: ["a@depth"],
    silenceTimeoutMs: 5000,
    onFrame: () => {},
    onClose: (_c, i) => info = i,
  });
  await waitFor(() => server.sockets.length === 1 && conn.isOpen);
  server.sockets[0]!.close(4000, "bye");
  const closed = await conn.closed;
  assert.deepEqual(closed, { code: 4000, reason: "bye", opened: true });
  assert.deepEqual(info, closed);
});

Deno.test("Connection reports a failed open as a close that never opened", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const conn = new Connection({
    url: `ws://127.0.0.1:${port}/stream?streams=a@depth`,
    streams: ["a@depth"],
    silenceTimeoutMs: 5000,
    onFrame: () => {},
  });
  const info = await conn.closed;
  assert.equal(info.opened, false);
});
