/**
 * One market-data WebSocket connection of the simulator: its streams, the JSON control messages
 * (`SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`), and the
 * exchange's connection rules: a ping every 20 s, closed when a ping is not answered within 60 s,
 * closed after 24 h, closed when more than 5 messages a second come in, at most 1024 streams.
 *
 * Close codes (the docs do not state them; these are the simulator's choice): lifetime 1000,
 * too many messages 1008, no pong 1008. Error replies use the exchange's codes: 0 unknown
 * property, 1 invalid value type, 2 invalid request, 3 invalid JSON, as
 * `{"error":{"code":2,"msg":"…"},"id":…}`.
 *
 * @module
 */
import type { WsSocket } from "./ws_socket.ts";
import { isSymbol } from "../util/symbol.ts";

/** Timing and limits of connections, real ms. */
export interface ConnectionRules {
  pingIntervalMs: number;
  pongTimeoutMs: number;
  lifetimeMs: number;
  /** Window of the incoming message limit (one second, scaled). */
  messageWindowMs: number;
  maxMessagesPerWindow: number;
  maxStreams: number;
}

/** Counters a connection updates. */
export interface ConnectionCounters {
  pingsSent: number;
  pongsReceived: number;
  closedForNoPong: number;
  closedForTooManyMessages: number;
  closedForLifetime: number;
  /** JSON control messages received. */
  controlMessages: number;
}

/** What a connection needs from the server. */
export interface ConnectionHost {
  rules: ConnectionRules;
  counters: ConnectionCounters;
  /** Real clock, ms. */
  clock(): number;
  /** Called when the connection starts or stops listening to `stream`. */
  onSubscribe(connection: StreamConnection, stream: string): void;
  onUnsubscribe(connection: StreamConnection, stream: string): void;
}

const STREAM_TYPES = new Set([
  "depth",
  "depth@100ms",
  "depth@1000ms",
  "depth@0ms",
  "bookTicker",
  "trade",
  "aggTrade",
  "ticker",
  "miniTicker",
  "depth5",
  "depth10",
  "depth20",
  "depth5@100ms",
  "depth10@100ms",
  "depth20@100ms",
]);

/** Whether `stream` is a well-formed stream name (`<lower-case symbol>@<type>`). */
export function isValidStreamName(stream: string): boolean {
  const at = stream.indexOf("@");
  if (at <= 0) return false;
  const symbol = stream.slice(0, at);
  const type = stream.slice(at + 1);
  return isSymbol(symbol) && symbol === symbol.toLowerCase() &&
    (STREAM_TYPES.has(type) || /^kline_\w+$/.test(type));
}

class RequestError extends Error {
  constructor(readonly code: number, message: string, readonly id: unknown = null) {
    super(message);
  }
}

/** One client connection and its subscriptions. */
export class StreamConnection {
  readonly id: number;
  readonly openedAt: number;
  readonly socket: WsSocket;
  combined: boolean;
  #streams = new Set<string>();
  #host: ConnectionHost;
  #incoming: number[] = [];
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #lifetimeTimer: ReturnType<typeof setTimeout> | undefined;
  #unansweredSince: number | null = null;
  #lastPing = "";

  /** Starts the connection's timers; `streams` come from the URL. */
  constructor(
    id: number,
    socket: WsSocket,
    options: { host: ConnectionHost; combined: boolean; streams: string[] },
  ) {
    this.id = id;
    this.socket = socket;
    this.#host = options.host;
    this.combined = options.combined;
    this.openedAt = options.host.clock();
    for (const stream of options.streams) this.#add(stream);
    const { rules } = options.host;
    this.#pingTimer = setInterval(() => this.#pingTick(), rules.pingIntervalMs);
    this.#lifetimeTimer = setTimeout(() => {
      this.#host.counters.closedForLifetime++;
      this.socket.close(1000, "Connection lifetime reached");
    }, rules.lifetimeMs);
  }

  /** Current streams, in subscription order. */
  get streams(): string[] {
    return [...this.#streams];
  }

  /** Whether the connection listens to `stream`. */
  has(stream: string): boolean {
    return this.#streams.has(stream);
  }

  /** Sends an event of `stream`: `raw` is the event JSON, `combined` the wrapped frame. */
  deliver(raw: string, combined: string): void {
    this.socket.sendText(this.combined ? combined : raw);
  }

  /** Stops timers and unregisters streams; call once the socket is gone. */
  dispose(): void {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#lifetimeTimer);
    for (const stream of this.#streams) this.#host.onUnsubscribe(this, stream);
    this.#streams.clear();
  }

  /** Counts an incoming frame; closes the connection beyond the message rate. */
  onIncoming(): void {
    const now = this.#host.clock();
    const { messageWindowMs, maxMessagesPerWindow } = this.#host.rules;
    this.#incoming.push(now);
    while (this.#incoming.length > 0 && this.#incoming[0]! <= now - messageWindowMs) {
      this.#incoming.shift();
    }
    if (this.#incoming.length > maxMessagesPerWindow && !this.socket.closed) {
      this.#host.counters.closedForTooManyMessages++;
      this.socket.close(1008, "Too many messages");
    }
  }

  /** Handles a pong: it answers the outstanding ping when it echoes its payload. */
  onPong(payload: Uint8Array): void {
    this.#host.counters.pongsReceived++;
    if (new TextDecoder().decode(payload) === this.#lastPing) this.#unansweredSince = null;
  }

  /** Handles a JSON control message. */
  onText(text: string): void {
    if (this.socket.closed) return;
    this.#host.counters.controlMessages++;
    try {
      const reply = this.#handle(text);
      this.socket.sendText(JSON.stringify(reply));
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      this.socket.sendText(
        JSON.stringify({ error: { code: error.code, msg: error.message }, id: error.id }),
      );
    }
  }

  #handle(text: string): { result: unknown; id: unknown } {
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      throw new RequestError(3, "Invalid JSON: expected a JSON object");
    }
    if (typeof request !== "object" || request === null || Array.isArray(request)) {
      throw new RequestError(2, "Invalid request: expected a JSON object");
    }
    const { method, params, id } = request as Record<string, unknown>;
    if (!isValidId(id)) {
      throw new RequestError(
        2,
        "Invalid request: request ID must be an integer, a string of at most 36 letters and " +
          "digits, or null",
      );
    }
    const replyId = id ?? null;
    switch (method) {
      case "SUBSCRIBE":
      case "UNSUBSCRIBE": {
        const streams = streamParams(params, replyId);
        if (method === "SUBSCRIBE") {
          const added = streams.filter((s) => !this.#streams.has(s));
          if (this.#streams.size + new Set(added).size > this.#host.rules.maxStreams) {
            throw new RequestError(
              2,
              `Invalid request: too many streams: at most ${this.#host.rules.maxStreams} a ` +
                `connection`,
              replyId,
            );
          }
          for (const stream of streams) this.#add(stream);
        } else {
          for (const stream of streams) this.#remove(stream);
        }
        return { result: null, id: replyId };
      }
      case "LIST_SUBSCRIPTIONS":
        return { result: this.streams, id: replyId };
      case "SET_PROPERTY":
      case "GET_PROPERTY": {
        if (!Array.isArray(params) || params[0] !== "combined") {
          throw new RequestError(0, "Unknown property", replyId);
        }
        if (method === "GET_PROPERTY") return { result: this.combined, id: replyId };
        if (typeof params[1] !== "boolean") {
          throw new RequestError(1, "Invalid value type: expected Boolean", replyId);
        }
        this.combined = params[1];
        return { result: null, id: replyId };
      }
      default:
        throw new RequestError(
          2,
          `Invalid request: unknown method ${JSON.stringify(method ?? null)}`,
          replyId,
        );
    }
  }

  #add(stream: string): void {
    if (this.#streams.has(stream)) return;
    this.#streams.add(stream);
    this.#host.onSubscribe(this, stream);
  }

  #remove(stream: string): void {
    if (!this.#streams.delete(stream)) return;
    this.#host.onUnsubscribe(this, stream);
  }

  #pingTick(): void {
    if (this.socket.stalled || this.socket.closed) return;
    const now = this.#host.clock();
    if (
      this.#unansweredSince !== null &&
      now - this.#unansweredSince >= this.#host.rules.pongTimeoutMs
    ) {
      this.#host.counters.closedForNoPong++;
      this.socket.close(1008, "Pong timeout");
      return;
    }
    this.#unansweredSince ??= now;
    this.#lastPing = String(now);
    this.socket.sendPing(new TextEncoder().encode(this.#lastPing));
    this.#host.counters.pingsSent++;
  }
}

function isValidId(id: unknown): boolean {
  if (id === undefined || id === null) return true;
  if (typeof id === "number") return Number.isSafeInteger(id) && id >= 0;
  return typeof id === "string" && /^[A-Za-z0-9]{1,36}$/.test(id);
}

function streamParams(params: unknown, id: unknown): string[] {
  if (!Array.isArray(params) || params.some((p) => typeof p !== "string")) {
    throw new RequestError(2, "Invalid request: params must be an array of stream names", id);
  }
  const bad = (params as string[]).find((p) => !isValidStreamName(p));
  if (bad !== undefined) {
    throw new RequestError(2, `Invalid request: invalid stream name ${JSON.stringify(bad)}`, id);
  }
  return params as string[];
}
