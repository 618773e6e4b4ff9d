import assert from "node:assert/strict";
import type { DepthUpdate } from "../lib/binance/types.ts";
import { HandshakeError, RawWsClient } from "../lib/simulator/raw_ws_client.ts";
import { startSimulator } from "../lib/simulator/simulator.ts";
import { Opcode } from "../lib/simulator/ws_socket.ts";
import { isServerShutdown } from "../lib/binance/connection_events.ts";

const fast = { levelsPerSide: 200, updateIntervalMs: 10 };

function frames(client: RawWsClient): { stream: string; data: DepthUpdate }[] {
  return client.texts.map((t) => JSON.parse(t)).filter((f) => f.stream !== undefined);
}

Deno.test("Combined stream: depth events with U == previous u + 1, several ids each", async () => {
  await using sim = await startSimulator(fast);
  const client = await RawWsClient.connect(
    `${sim.wsUrl}/stream?streams=btcusdt@depth@100ms/ethusdt@depth@100ms`,
    { autoPong: true },
  );
  await client.waitFor(() => frames(client).length >= 40);
  await client.close();
  for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
    const events = frames(client).filter((f) => f.data.s === symbol);
    assert.ok(events.every((f) => f.stream === `${symbol.toLowerCase()}@depth@100ms`));
    for (let i = 1; i < events.length; i++) {
      assert.equal(events[i]!.data.U, events[i - 1]!.data.u + 1);
    }
    assert.ok(events.some((f) => f.data.u - f.data.U + 1 > 1));
    assert.ok(events.some((f) => f.data.b.some(([, q]) => q === "0.00000000")));
  }
});

Deno.test("@depth@1000ms and @depth carry the aggregate of the 100 ms events", async () => {
  await using sim = await startSimulator({ ...fast, slowStreamTicks: 5 });
  const client = await RawWsClient.connect(
    `${sim.wsUrl}/stream?streams=btcusdt@depth@100ms/btcusdt@depth@1000ms/btcusdt@depth`,
    { autoPong: true },
  );
  const slow = () => frames(client).filter((f) => f.stream === "btcusdt@depth@1000ms");
  await client.waitFor(() => slow().length >= 4);
  await client.close();
  const fastEvents = frames(client).filter((f) => f.stream === "btcusdt@depth@100ms");
  const plain = frames(client).filter((f) => f.stream === "btcusdt@depth");
  assert.deepEqual(plain.map((f) => f.data).slice(0, 3), slow().map((f) => f.data).slice(0, 3));
  for (const { data } of slow().slice(1, 4)) {
    const parts = fastEvents.filter((f) => f.data.U >= data.U && f.data.u <= data.u);
    assert.equal(parts[0]!.data.U, data.U);
    assert.equal(parts.at(-1)!.data.u, data.u);
    const merged = new Map<string, string>();
    for (const p of parts) for (const [price, q] of p.data.b) merged.set(price, q);
    assert.deepEqual(new Map(data.b), merged);
  }
});

Deno.test("SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS and properties, with error replies", async () => {
  // The 5-messages window shortened to 100 ms so the test need not wait whole seconds.
  await using sim = await startSimulator({ ...fast, messageWindowMs: 100 });
  const client = await RawWsClient.connect(`${sim.wsUrl}/ws`, { autoPong: true });
  const reply = async (message: unknown) => {
    const at = client.texts.length;
    await client.sendText(typeof message === "string" ? message : JSON.stringify(message));
    return await client.waitFor(() =>
      client.texts.slice(at).map((t) => JSON.parse(t)).find((m) => "result" in m || "error" in m)
    );
  };
  const pause = () => new Promise((r) => setTimeout(r, 120)); // stay under 5 messages a window
  assert.deepEqual(
    await reply({ method: "SUBSCRIBE", params: ["btcusdt@depth@100ms"], id: 1 }),
    { result: null, id: 1 },
  );
  const raw = await client.waitFor(() =>
    client.texts.map((t) => JSON.parse(t)).find((m) => m.e === "depthUpdate")
  );
  assert.equal(raw.s, "BTCUSDT"); // raw payload on /ws: no {stream, data} wrapper
  assert.deepEqual(await reply({ method: "LIST_SUBSCRIPTIONS", id: "abc" }), {
    result: ["btcusdt@depth@100ms"],
    id: "abc",
  });
  await pause();
  assert.deepEqual(await reply({ method: "SET_PROPERTY", params: ["combined", true], id: 2 }), {
    result: null,
    id: 2,
  });
  assert.deepEqual(await reply({ method: "GET_PROPERTY", params: ["combined"], id: 3 }), {
    result: true,
    id: 3,
  });
  const wrapped = await client.waitFor(() =>
    client.texts.slice(-3).map((t) => JSON.parse(t)).find((m) => m.stream)
  );
  assert.equal(wrapped.stream, "btcusdt@depth@100ms");
  await pause();
  assert.deepEqual(
    await reply({ method: "UNSUBSCRIBE", params: ["btcusdt@depth@100ms"], id: 4 }),
    { result: null, id: 4 },
  );
  assert.deepEqual(await reply({ method: "LIST_SUBSCRIPTIONS", id: 5 }), { result: [], id: 5 });
  await pause();
  assert.equal((await reply("{not json")).error.code, 3);
  const unknown = await reply({ method: "DANCE", id: 6 });
  assert.deepEqual([unknown.error.code, unknown.id], [2, 6]);
  assert.equal(
    (await reply({ method: "SUBSCRIBE", params: "btcusdt@depth", id: 7 })).error.code,
    2,
  );
  await pause();
  assert.equal((await reply({ method: "SUBSCRIBE", params: ["BTC/USDT"], id: 8 })).error.code, 2);
  assert.equal((await reply({ method: "LIST_SUBSCRIPTIONS", id: -1 })).error.code, 2);
  assert.equal((await reply({ method: "GET_PROPERTY", params: ["colour"], id: 9 })).error.code, 0);
  await pause();
  assert.equal(
    (await reply({ method: "SET_PROPERTY", params: ["combined", "yes"], id: 10 })).error.code,
    1,
  );
  assert.equal(sim.stats.closedForTooManyMessages, 0);
  await client.close();
});

Deno.test("At most 1024 streams a connection: the URL and SUBSCRIBE beyond are refused", async () => {
  await using sim = await startSimulator({ ...fast, updateIntervalMs: 0 });
  const names = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => `s${i + from}usdt@depth@100ms`);
  const full = await RawWsClient.connect(`${sim.wsUrl}/stream?streams=${names(1024).join("/")}`);
  await full.sendText(JSON.stringify({ method: "LIST_SUBSCRIPTIONS", id: 1 }));
  assert.equal(JSON.parse(await full.nextText()).result.length, 1024);
  await full.sendText(JSON.stringify({ method: "SUBSCRIBE", params: names(1, 2000), id: 2 }));
  const refused = JSON.parse(await full.nextText());
  assert.equal(refused.error.code, 2);
  assert.equal(refused.id, 2);
  assert.equal(sim.connections()[0]!.streams.length, 1024);
  await full.close();
  await assert.rejects(
    RawWsClient.connect(`${sim.wsUrl}/stream?streams=${names(1025).join("/")}`),
    (e) => e instanceof HandshakeError && e.status === 400,
  );
  assert.equal(sim.stats.connectionsRejected, 1);
});

Deno.test("More than 5 incoming messages a second closes the connection", async () => {
  await using sim = await startSimulator({ ...fast, updateIntervalMs: 0 });
  const client = await RawWsClient.connect(`${sim.wsUrl}/ws`);
  for (let i = 0; i < 5; i++) await client.sendText(`{"method":"LIST_SUBSCRIPTIONS","id":${i}}`);
  await client.waitFor(() => client.texts.length === 5);
  await client.sendFrame(Opcode.pong, new Uint8Array(0)); // pongs count too
  const closed = await client.closed;
  assert.equal(closed.code, 1008);
  assert.equal(sim.stats.closedForTooManyMessages, 1);
});

Deno.test("Ping every 20 s (scaled): a client that pongs survives, one that does not is closed", async () => {
  // timeScale 200: ping every 100 ms, pong timeout 300 ms.
  await using sim = await startSimulator({ ...fast, updateIntervalMs: 0, timeScale: 200 });
  const started = Date.now();
  const silent = await RawWsClient.connect(`${sim.wsUrl}/ws/btcusdt@depth@100ms`);
  const polite = await RawWsClient.connect(`${sim.wsUrl}/ws/btcusdt@depth@100ms`, {
    autoPong: true,
  });
  const builtIn = new WebSocket(`${sim.wsUrl}/ws/btcusdt@depth@100ms`);
  const builtInClosed = new Promise<CloseEvent>((resolve) => builtIn.onclose = resolve);
  await new Promise((resolve) => builtIn.onopen = resolve);
  const closed = await silent.closed;
  const elapsed = Date.now() - started;
  assert.equal(closed.code, 1008);
  assert.ok(elapsed >= 300, `closed after ${elapsed} ms`);
  assert.ok(silent.pings >= 3);
  await polite.waitFor(() => polite.pings >= 8);
  assert.equal(sim.stats.closedForNoPong, 1);
  assert.equal(sim.connections().length, 2); // the polite raw client and Deno's WebSocket
  assert.ok(sim.stats.pongsReceived >= 12, `${sim.stats.pongsReceived} pongs`);
  await polite.close();
  builtIn.close();
  await builtInClosed;
});

Deno.test("Every connection is closed with 1000 after its lifetime (24 h scaled)", async () => {
  // 24 h → 200 ms; pings (20 s → 50 ms) and pong timeout (60 s → 150 ms) scaled alike.
  await using sim = await startSimulator({
    ...fast,
    connectionLifetimeMs: 200,
    pingIntervalMs: 50,
    pongTimeoutMs: 150,
  });
  const client = await RawWsClient.connect(`${sim.wsUrl}/stream?streams=ethusdt@depth@100ms`, {
    autoPong: true,
  });
  const started = Date.now();
  const closed = await client.closed;
  assert.equal(closed.code, 1000);
  assert.ok(Date.now() - started >= 100);
  assert.equal(sim.stats.closedForNoPong, 0);
  assert.ok(frames(client).length > 0);
  assert.equal(sim.stats.closedForLifetime, 1);
});

Deno.test("serverShutdown is sent as {event: {e, E}} on every connection", async () => {
  await using sim = await startSimulator({ ...fast, now: () => 1_700_000_000_000 });
  const a = await RawWsClient.connect(`${sim.wsUrl}/ws/btcusdt@depth@100ms`);
  const b = await RawWsClient.connect(`${sim.wsUrl}/stream?streams=btcusdt@depth@100ms`);
  sim.sendServerShutdown();
  for (const client of [a, b]) {
    const notice = await client.waitFor(() =>
      client.texts.map((t) => JSON.parse(t)).find((m) => m.event)
    );
    assert.deepEqual(notice, { event: { e: "serverShutdown", E: 1_700_000_000_000 } });
    assert.ok(isServerShutdown(notice));
  }
  sim.closeConnections();
  assert.deepEqual((await a.closed).code, 1000);
  assert.deepEqual((await b.closed).code, 1000);
});

Deno.test("closeConnections(code, ids) closes only the connections serverShutdown warned", async () => {
  await using sim = await startSimulator({ ...fast, updateIntervalMs: 0 });
  const old = await RawWsClient.connect(`${sim.wsUrl}/ws/btcusdt@depth@100ms`);
  const warned = sim.sendServerShutdown();
  assert.equal(warned.length, 1);
  // The replacement a client opens after the notice is on "another server": not warned, kept.
  const replacement = await RawWsClient.connect(`${sim.wsUrl}/ws/btcusdt@depth@100ms`);
  sim.closeConnections(1000, warned);
  assert.equal((await old.closed).code, 1000);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(sim.stats.connectionsOpen, 1);
  assert.equal(replacement.texts.some((t) => t.includes("serverShutdown")), false);
  await replacement.close();
});

Deno.test("Unknown WebSocket paths are refused with 404", async () => {
  await using sim = await startSimulator({ ...fast, updateIntervalMs: 0 });
  await assert.rejects(
    RawWsClient.connect(`${sim.wsUrl}/nothing`),
    (e) => e instanceof HandshakeError && e.status === 404,
  );
});

Deno.test("Beyond maxConnectionAttempts in the window a handshake is refused with 429", async () => {
  await using sim = await startSimulator({
    ...fast,
    updateIntervalMs: 0,
    maxConnectionAttempts: 3,
    connectionAttemptsWindowMs: 300,
  });
  const clients = [];
  for (let i = 0; i < 3; i++) clients.push(await RawWsClient.connect(`${sim.wsUrl}/ws`));
  await assert.rejects(
    RawWsClient.connect(`${sim.wsUrl}/ws`),
    (e) => e instanceof HandshakeError && e.status === 429,
  );
  await new Promise((r) => setTimeout(r, 320));
  clients.push(await RawWsClient.connect(`${sim.wsUrl}/ws`));
  for (const client of clients) await client.close();
});

Deno.test("Synthetic market: a trade and an aggTrade per event, ids consecutive, at the best bid", async () => {
  await using sim = await startSimulator(fast);
  const streams = ["btcusdt@trade", "btcusdt@aggTrade", "btcusdt@bookTicker"];
  const client = await RawWsClient.connect(`${sim.wsUrl}/stream?streams=${streams.join("/")}`, {
    autoPong: true,
  });
  const all = () =>
    client.texts.map((t) => JSON.parse(t)).filter((f) => f.stream !== undefined) as {
      stream: string;
      data: Record<string, unknown>;
    }[];
  await client.waitFor(() => all().filter((f) => f.stream === "btcusdt@trade").length >= 20);
  await client.close();
  const of = (stream: string) => all().filter((f) => f.stream === stream).map((f) => f.data);
  const trades = of("btcusdt@trade");
  const aggs = of("btcusdt@aggTrade");
  const tickers = of("btcusdt@bookTicker");
  for (let i = 1; i < trades.length; i++) {
    assert.equal(trades[i]!.t, (trades[i - 1]!.t as number) + 1);
  }
  for (let i = 1; i < aggs.length; i++) assert.equal(aggs[i]!.a, (aggs[i - 1]!.a as number) + 1);
  assert.deepEqual(Object.keys(trades[0]!), ["e", "E", "s", "t", "p", "q", "T", "m", "M"]);
  assert.equal(trades[0]!.e, "trade");
  assert.equal(aggs[0]!.f, aggs[0]!.l);
  assert.ok(tickers.length > 10);
  // Each trade is at the best bid of the bookTicker sent just before it.
  const sequence = all();
  for (const [i, f] of sequence.entries()) {
    if (f.stream !== "btcusdt@trade" || i === 0) continue;
    const ticker = sequence.slice(0, i).findLast((g) => g.stream === "btcusdt@bookTicker");
    if (ticker) assert.equal(f.data.p, ticker.data.b);
  }
  assert.ok((sim.lastTradeIds("BTCUSDT")?.t ?? 0) >= (trades.at(-1)!.t as number));
});
