/**
 * A Binance-spot-compatible exchange on 127.0.0.1 for tests and demos: REST depth snapshots,
 * exchange info and time, and the market-data WebSocket streams on the same port, over a
 * synthetic market or a replay of real recordings, with faults on demand.
 *
 * Behaviour where the exchange's documentation is silent (the simulator's choices):
 * - 24 h lifetime: close frame 1000; pong timeout and more than 5 messages a second: 1008.
 * - A URL with more than 1024 streams is refused (HTTP 400); a SUBSCRIBE that would pass 1024
 *   gets an error reply (code 2) and changes nothing.
 * - `serverShutdown` is sent as `{"event":{"e":"serverShutdown","E":…}}` (the WebSocket API's
 *   documented shape) and the connection stays open until closed by another fault.
 * - Weight is counted in fixed windows; a request before a 429's `Retry-After` has passed starts
 *   a ban (418, 2 minutes scaled); `Retry-After` is whole seconds, rounded up.
 * - Stale snapshots are the exact book `staleSnapshotLag` (50) events back.
 *
 * History bound: the last 100,000 events per symbol are kept (option `maxEventsPerSymbol`) with a
 * book copy every 1,000 events; {@linkcode Simulator.bookAt} works for any event boundary kept.
 *
 * @module
 */
import { createServer } from "node:http";
import type { IncomingMessage, Server } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { DepthSnapshot, DepthUpdate } from "../binance/types.ts";
import type { DepthHistory } from "./depth_history.ts";
import { BREAK_STATUS, handleRest, splitSymbol } from "./rest.ts";
import type { SymbolInfo } from "../binance/exchange_info.ts";
import { TRADING_STATUS } from "../binance/exchange_info.ts";
import { serverShutdownFrame } from "../binance/connection_events.ts";
import { RateLimiter } from "./rate_limiter.ts";
import { ReplayMarket } from "./replay_market.ts";
import { StreamConnection } from "./stream_connection.ts";
import { SyntheticMarket } from "./synthetic_market.ts";
import { StreamHub } from "./stream_hub.ts";
import { handleUpgrade } from "./upgrade.ts";
import type { UpgradeHost } from "./upgrade.ts";
import { resolveOptions } from "./options.ts";
import type { SimulatorOptions, SimulatorStats } from "./options.ts";

export type { SimulatorOptions, SimulatorStats } from "./options.ts";

/** One open connection, as {@linkcode Simulator.connections} lists it. */
export interface ConnectionInfo {
  id: number;
  streams: string[];
  openedAt: number;
  stalled: boolean;
}

/** A running simulator. */
export interface Simulator extends AsyncDisposable {
  /** REST base, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** WebSocket base, `ws://127.0.0.1:PORT`. */
  readonly wsUrl: string;
  /** The port listened on. */
  readonly port: number;
  /** Symbols with a book (synthetic or replayed). */
  symbols(): string[];
  /** Closes every connection and the server and clears every timer. */
  close(): Promise<void>;
  /** Consumes the ids of the symbol's next event but sends it to no one (a real gap). */
  withholdNextEvent(symbol: string): void;
  /**
   * The symbol's next event goes out with an unusable price (`"12.3x"`) on the connections of
   * `ids` (all when omitted), intact on the others.
   */
  corruptNextEvent(symbol: string, ids?: readonly number[]): void;
  /**
   * The symbol's next synthetic trade goes out with an unusable price (`"12.3x"`) on the
   * connections of `ids` (all when omitted), intact on the others.
   */
  corruptNextTrade(symbol: string, ids?: readonly number[]): void;
  /**
   * Ids of the symbol's last synthetic trade (`t`) and aggTrade (`a`), or `null` before the first;
   * every tick makes one of each, ids consecutive.
   */
  lastTradeIds(symbol: string): { t: number; a: number } | null;
  /** Drops every connection at once (only those of `ids` when given), without a close frame. */
  dropConnections(ids?: readonly number[]): void;
  /**
   * Closes every connection with a close frame (`code`, default 1000, as at 24 h); only those of
   * `ids` when given (e.g. the ones {@linkcode Simulator.sendServerShutdown} warned).
   */
  closeConnections(code?: number, ids?: readonly number[]): void;
  /**
   * Sends `{"event":{"e":"serverShutdown","E":…}}` on every connection (which stays open); returns
   * their ids. Connections opened afterwards are on another server, as it were: not warned.
   */
  sendServerShutdown(): number[];
  /** Makes every open connection silent forever: nothing sent, input ignored, TCP open. */
  stallConnections(): void;
  /** Sends a text frame that is not valid JSON on every connection. */
  sendMalformedFrame(): void;
  /** Sends a depth frame of a stream no one subscribed to (unknown symbol) on every connection. */
  sendUnknownStreamFrame(): void;
  /** Sends, on every connection, a real depth frame of a known symbol it did not subscribe to. */
  sendUnsubscribedSymbolFrame(): void;
  /** The next `count` depth snapshots are the book at an id well before the current one. */
  serveStaleSnapshots(count: number): void;
  /** The next `count` depth snapshots hold a level with an unusable price (`"12.3x"`). */
  serveBadSnapshots(count: number): void;
  /** Depth requests are answered 429 for `durationMs` real ms. */
  throttleSnapshots(durationMs: number): void;
  /** Generates `count` synthetic ticks at once (also when the timer is off: `updateIntervalMs: 0`). */
  step(count?: number): void;
  /** Starts a replay created with `replayAutoStart: false`. */
  startReplay(): void;
  /** Resolves when the replay has published every recorded frame. */
  replayFinished(): Promise<void>;
  /** Counters for tests. */
  readonly stats: SimulatorStats;
  /** Open connections. */
  connections(): ConnectionInfo[];
  /** The simulator's own full book of `symbol` exactly at update id `u` (an event boundary). */
  bookAt(symbol: string, u: number): DepthSnapshot;
  /** Every event generated for the symbol so far (within the history bound), withheld ones too. */
  events(symbol: string): readonly DepthUpdate[];
}

/** Starts a simulator; resolves once it listens. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const o = resolveOptions(options);
  const stats: SimulatorStats = {
    connectionsOpened: 0,
    connectionsOpen: 0,
    connectionsRejected: 0,
    depthRequests: 0,
    restRequests: 0,
    status429: 0,
    status418: 0,
    pingsSent: 0,
    pongsReceived: 0,
    closedForNoPong: 0,
    closedForTooManyMessages: 0,
    closedForLifetime: 0,
    controlMessages: 0,
    eventsPublished: 0,
    eventsWithheld: 0,
    staleSnapshotsServed: 0,
    eventsCorrupted: 0,
    badSnapshotsServed: 0,
  };
  const clock = () => performance.now();
  const limiter = new RateLimiter({
    weightPerWindow: o.weightPerMinute,
    windowMs: o.weightWindowMs,
    banMs: o.banMs,
    clock,
  });
  const synthetic = o.replay.length === 0
    ? new SyntheticMarket({
      market: o.market,
      symbols: o.symbols,
      extraSymbols: o.extraSymbols,
      seed: o.seed,
      levelsPerSide: o.levelsPerSide,
      ...(o.levelsOf ? { levelsOf: o.levelsOf } : {}),
      maxEvents: o.maxEventsPerSymbol,
    })
    : null;
  const replay = synthetic
    ? null
    : await ReplayMarket.open(o.replay, { maxEvents: o.maxEventsPerSymbol });
  const histories: Map<string, DepthHistory> = (synthetic ?? replay!).histories;
  const hub = new StreamHub({ histories, now: o.now, stats, bookTicker: synthetic !== null });
  const breakSymbols = o.extraSymbols > 0 && synthetic ? ["XB0001USDT", "XB0002USDT"] : [];
  let staleLeft = 0;
  let badLeft = 0;

  const symbolInfos = (): SymbolInfo[] => [
    ...[...histories.keys()].map((symbol): SymbolInfo => ({
      symbol,
      status: TRADING_STATUS,
      ...splitSymbol(symbol),
    })),
    ...breakSymbols.map((symbol): SymbolInfo => ({
      symbol,
      status: BREAK_STATUS,
      ...splitSymbol(symbol),
    })),
  ];
  const depth = (symbol: string, limit: number): DepthSnapshot | null => {
    if (breakSymbols.includes(symbol)) return { lastUpdateId: 1, bids: [], asks: [] };
    const history = histories.get(symbol);
    if (!history) return null;
    if (staleLeft > 0) {
      staleLeft--;
      stats.staleSnapshotsServed++;
      const events = history.events;
      const older = events[events.length - 1 - o.staleSnapshotLag];
      const u = older && older.u > history.baseId ? older.u : history.baseId;
      const book = history.bookAt(u);
      return { lastUpdateId: u, bids: book.bids.slice(0, limit), asks: book.asks.slice(0, limit) };
    }
    const snapshot = history.snapshot(limit);
    if (badLeft > 0) {
      badLeft--;
      stats.badSnapshotsServed++;
      return { ...snapshot, bids: [...snapshot.bids.slice(0, -1), ["12.3x", "1.00000000"]] };
    }
    return snapshot;
  };

  const connections = new Map<number, StreamConnection>();
  const sockets = new Set<Socket>();
  let nextId = 1;
  const host = {
    rules: o.rules,
    counters: stats,
    clock,
    onSubscribe: (c: StreamConnection, s: string) => hub.subscribe(c, s),
    onUnsubscribe: (c: StreamConnection, s: string) => hub.unsubscribe(c, s),
  };
  const server: Server = createServer({ maxHeaderSize: 1 << 20 }, (req, res) =>
    handleRest(
      {
        market: o.market,
        limiter,
        weightPerMinute: o.weightPerMinute,
        now: o.now,
        symbolInfos,
        depth,
        counters: stats,
      },
      req,
      res,
    ));
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const upgradeHost: UpgradeHost = {
    market: o.market,
    connectionHost: host,
    stats,
    connections,
    maxAttempts: o.maxConnectionAttempts,
    attemptsWindowMs: o.connectionAttemptsWindowMs,
    attempts: [],
    nextId: () => nextId++,
  };
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Uint8Array) => {
    handleUpgrade(upgradeHost, { req, socket, head });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : o.port;

  let timer: ReturnType<typeof setInterval> | undefined;
  let ticks = 0;
  const step = (count = 1) => {
    if (!synthetic) return;
    for (let i = 0; i < count; i++) {
      const E = o.now();
      for (const event of synthetic.tick(E)) hub.publishDepth(event);
      if (++ticks % o.slowStreamTicks === 0) hub.flushSlow(E);
    }
  };
  if (synthetic && o.updateIntervalMs > 0) timer = setInterval(() => step(), o.updateIntervalMs);

  let replayDone: Promise<void> = Promise.resolve();
  let replayError: unknown = null;
  let replayStarted = false;
  const startReplay = () => {
    if (!replay || replayStarted) return;
    replayStarted = true;
    replayDone = replay.run({
      onDepth: (_symbol, event, stream) => hub.publishReplayDepth(event, stream),
      onFrame: (stream, data) => hub.publishFrame(stream, data),
      onEnd: () => hub.flushSlow(o.now()),
    }, o.replaySpeed).catch((error) => {
      replayError = error;
      if (!o.quiet) console.error(`simulate: replay stopped: ${error}`);
    });
  };
  if (o.replayAutoStart) startReplay();

  const each = (fn: (c: StreamConnection) => void) => {
    for (const connection of [...connections.values()]) fn(connection);
  };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    await replay?.stop();
    await replayDone.catch(() => {});
    each((c) => c.socket.destroy());
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const historyOf = (symbol: string): DepthHistory => {
    const history = histories.get(symbol.toUpperCase());
    if (!history) throw new RangeError(`Unknown symbol "${symbol}": not served by this simulator`);
    return history;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    symbols: () => [...histories.keys()],
    close,
    [Symbol.asyncDispose]: close,
    withholdNextEvent: (symbol) => hub.withhold(historyOf(symbol).symbol),
    corruptNextEvent: (symbol, ids) => hub.corrupt(historyOf(symbol).symbol, ids),
    corruptNextTrade: (symbol, ids) => hub.corruptTrade(historyOf(symbol).symbol, ids),
    lastTradeIds: (symbol) => hub.lastTradeIds(historyOf(symbol).symbol),
    dropConnections: (ids) =>
      each((c) => {
        if (ids === undefined || ids.includes(c.id)) c.socket.destroy();
      }),
    closeConnections: (code = 1000, ids) =>
      each((c) => {
        if (ids === undefined || ids.includes(c.id)) {
          c.socket.close(code, "Closed by the simulator");
        }
      }),
    sendServerShutdown: () => {
      const warned: number[] = [];
      each((c) => {
        c.socket.sendText(serverShutdownFrame(o.now()));
        warned.push(c.id);
      });
      return warned;
    },
    stallConnections: () => each((c) => c.socket.stall()),
    sendMalformedFrame: () => each((c) => c.socket.sendText(hub.malformedFrame(c))),
    sendUnknownStreamFrame: () => each((c) => c.socket.sendText(hub.unknownStreamFrame(c))),
    sendUnsubscribedSymbolFrame: () =>
      each((c) => {
        const text = hub.unsubscribedSymbolFrame(c);
        if (text !== null) c.socket.sendText(text);
      }),
    serveStaleSnapshots: (count) => {
      staleLeft += count;
    },
    serveBadSnapshots: (count) => {
      badLeft += count;
    },
    throttleSnapshots: (durationMs) => limiter.throttle(durationMs),
    step,
    startReplay,
    replayFinished: () =>
      replayDone.then(() => {
        if (replayError !== null) throw replayError;
      }),
    stats,
    connections: () =>
      [...connections.values()].map((c) => ({
        id: c.id,
        streams: c.streams,
        openedAt: Math.round(performance.timeOrigin + c.openedAt),
        stalled: c.socket.stalled,
      })),
    bookAt: (symbol, u) => historyOf(symbol).bookAt(u),
    events: (symbol) => historyOf(symbol).events,
  };
}
