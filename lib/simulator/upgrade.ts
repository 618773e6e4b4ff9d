/**
 * The WebSocket side of the simulator's HTTP server: checks an upgrade request (path, streams,
 * connection attempts), answers the handshake, and creates the connection.
 *
 * Paths: `/ws`, `/ws/<stream>[/<stream>…]` (raw payloads) and `/stream?streams=a/b` (combined
 * `{"stream","data"}` frames). Refusals are plain HTTP answers with a JSON body: 404 for another
 * path, 400 for more streams than allowed, 429 beyond the connection-attempt limit.
 *
 * @module
 */
import type { Market } from "../binance/limits.ts";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { SimulatorStats } from "./options.ts";
import { StreamConnection } from "./stream_connection.ts";
import type { ConnectionHost } from "./stream_connection.ts";
import { acceptKey, WsSocket } from "./ws_socket.ts";

/** What an upgrade needs from the simulator. */
export interface UpgradeHost {
  /** `usdm`: streams at `/public/stream` and `/public/ws` (futures' routed path); spot by default. */
  market?: Market;
  connectionHost: ConnectionHost;
  stats: SimulatorStats;
  /** Open connections by id; the upgrade adds, a closing connection removes itself. */
  connections: Map<number, StreamConnection>;
  /** Connection attempts allowed per window, or `Infinity`. */
  maxAttempts: number;
  /** Window of `maxAttempts`, real ms. */
  attemptsWindowMs: number;
  /** Times of recent attempts (real clock), oldest first; the upgrade maintains it. */
  attempts: number[];
  nextId(): number;
}

/** Handles one upgrade request on `socket`. */
export function handleUpgrade(
  host: UpgradeHost,
  request: { req: IncomingMessage; socket: Duplex; head: Uint8Array },
): void {
  const { req, socket, head } = request;
  const { stats } = host;
  const rules = host.connectionHost.rules;
  const reject = (status: string, msg: string, headers = "") => {
    stats.connectionsRejected++;
    const body = JSON.stringify({ code: -1, msg });
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}` +
        `\r\n${headers}Connection: close\r\n\r\n${body}`,
    );
  };
  const now = host.connectionHost.clock();
  while (host.attempts.length > 0 && host.attempts[0]! <= now - host.attemptsWindowMs) {
    host.attempts.shift();
  }
  if (host.attempts.length >= host.maxAttempts) {
    const retryAfter = Math.max(
      1,
      Math.ceil((host.attempts[0]! + host.attemptsWindowMs - now) / 1000),
    );
    return reject(
      "429 Too Many Requests",
      `Too many connection attempts: at most ${host.maxAttempts} per window.`,
      `Retry-After: ${retryAfter}\r\n`,
    );
  }
  if (Number.isFinite(host.maxAttempts)) host.attempts.push(now);
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const key = req.headers["sec-websocket-key"];
  if (typeof key !== "string" || (req.headers.upgrade ?? "").toLowerCase() !== "websocket") {
    return reject("400 Bad Request", "Expected a WebSocket upgrade.");
  }
  let combined: boolean;
  let streams: string[];
  const root = host.market === "usdm" ? "/public" : "";
  const path = url.pathname.startsWith(root) ? url.pathname.slice(root.length) : "";
  if (path === "/stream") {
    combined = true;
    streams = (url.searchParams.get("streams") ?? "").split("/").filter((s) => s !== "");
  } else if (path === "/ws" || path.startsWith("/ws/")) {
    combined = false;
    streams = path.slice(3).split("/").filter((s) => s !== "");
  } else {
    return reject("404 Not Found", `Unknown path ${url.pathname}.`);
  }
  if (streams.length > rules.maxStreams) {
    return reject(
      "400 Bad Request",
      `Too many streams: ${streams.length}; at most ${rules.maxStreams} a connection.`,
    );
  }
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
  );
  const id = host.nextId();
  const ref: { connection?: StreamConnection } = {};
  const ws = new WsSocket(socket, {
    onText: (text) => ref.connection?.onText(text),
    onIncoming: () => ref.connection?.onIncoming(),
    onPong: (payload) => ref.connection?.onPong(payload),
    onClosed: () => {
      ref.connection?.dispose();
      host.connections.delete(id);
      stats.connectionsOpen = host.connections.size;
    },
  }, head);
  const connection = new StreamConnection(id, ws, {
    host: host.connectionHost,
    combined,
    streams,
  });
  ref.connection = connection;
  host.connections.set(id, connection);
  stats.connectionsOpened++;
  stats.connectionsOpen = host.connections.size;
}
