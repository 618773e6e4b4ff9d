/**
 * A bare WebSocket client over TCP for tests: unlike the built-in `WebSocket` it answers pings
 * only when told to, sends any frame (pings, pongs, fragments), and reports whether the server
 * closed with a close frame (and its code) or just dropped TCP.
 *
 * @module
 */
import { encodeFrame, FrameDecoder, Opcode } from "./ws_socket.ts";
import type { Frame } from "./ws_socket.ts";

/** How the connection ended. */
export interface RawClose {
  /** Code of the server's close frame, or `null` when TCP ended without one. */
  code: number | null;
  /** Reason of the close frame. */
  reason: string;
}

/** Options of {@linkcode RawWsClient.connect}. */
export interface RawWsClientOptions {
  /** Answer pings automatically (default false). */
  autoPong?: boolean;
}

/** The answer to a refused handshake. */
export class HandshakeError extends Error {
  /** Creates the error with the HTTP status and body. */
  constructor(readonly status: number, readonly body: string) {
    super(`WebSocket handshake refused with HTTP ${status}: ${body}`);
    this.name = "HandshakeError";
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A client frame: `encodeFrame`'s frame with the mask bit set and the payload masked with `key`
 * (four bytes; random by default), as RFC 6455 requires of clients.
 */
export function maskedFrame(
  opcode: number,
  payload: Uint8Array,
  options: { fin?: boolean; key?: Uint8Array } = {},
): Uint8Array {
  const frame = encodeFrame(opcode, payload, options.fin ?? true);
  const headerLength = frame.length - payload.length;
  const key = options.key ?? crypto.getRandomValues(new Uint8Array(4));
  const out = new Uint8Array(frame.length + 4);
  out.set(frame.subarray(0, headerLength));
  out[1]! |= 0x80;
  out.set(key, headerLength);
  for (let i = 0; i < payload.length; i++) {
    out[headerLength + 4 + i] = payload[i]! ^ key[i & 3]!;
  }
  return out;
}

/** A test client over a raw TCP connection. */
export class RawWsClient {
  /** Every text message received, in order. */
  readonly texts: string[] = [];
  /** Number of pings received. */
  pings = 0;
  /** Resolves when TCP has ended. */
  readonly closed: Promise<RawClose>;
  #conn: Deno.Conn;
  #autoPong: boolean;
  #waiters: (() => void)[] = [];
  #close: RawClose = { code: null, reason: "" };
  #ended = false;

  private constructor(conn: Deno.Conn, rest: Uint8Array, options: RawWsClientOptions) {
    this.#conn = conn;
    this.#autoPong = options.autoPong ?? false;
    this.closed = this.#readLoop(rest);
  }

  /** Opens `url` (`ws://127.0.0.1:PORT/path`); throws {@linkcode HandshakeError} when refused. */
  static async connect(url: string, options: RawWsClientOptions = {}): Promise<RawWsClient> {
    const u = new URL(url);
    const conn = await Deno.connect({ hostname: u.hostname, port: Number(u.port) });
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    await conn.write(encoder.encode(
      `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    ));
    let buffer = new Uint8Array(0);
    const chunk = new Uint8Array(65536);
    while (true) {
      const text = decoder.decode(buffer);
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        const status = Number(text.slice(9, 12));
        const headerBytes = encoder.encode(text.slice(0, end + 4)).length;
        if (status !== 101) {
          // Read the rest of the body until the server closes.
          let body = text.slice(end + 4);
          while (true) {
            const n = await conn.read(chunk).catch(() => null);
            if (n === null) break;
            body += decoder.decode(chunk.subarray(0, n));
          }
          conn.close();
          throw new HandshakeError(status, body);
        }
        return new RawWsClient(conn, buffer.slice(headerBytes), options);
      }
      const n = await conn.read(chunk);
      if (n === null) {
        conn.close();
        throw new HandshakeError(0, "connection closed during the handshake");
      }
      const joined = new Uint8Array(buffer.length + n);
      joined.set(buffer);
      joined.set(chunk.subarray(0, n), buffer.length);
      buffer = joined;
    }
  }

  /** Sends a text message. */
  sendText(text: string): Promise<void> {
    return this.sendFrame(Opcode.text, encoder.encode(text));
  }

  /** Sends one masked frame. */
  async sendFrame(opcode: number, payload: Uint8Array, fin = true): Promise<void> {
    if (this.#ended) return;
    await this.#conn.write(maskedFrame(opcode, payload, { fin })).catch(() => {});
  }

  /** Waits until `predicate` holds for the received texts (checked on each arrival). */
  async waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const value = predicate();
      if (value) return value;
      if (this.#ended) throw new Error("Connection ended while waiting");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Timed out after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 100));
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#waiters.push(done);
      });
    }
  }

  /** Waits for the next text message after the `count` already received. */
  nextText(timeoutMs = 5000): Promise<string> {
    const index = this.texts.length;
    return this.waitFor(() => this.texts[index], timeoutMs);
  }

  /** Ends TCP from this side and waits for the read loop. */
  async close(): Promise<RawClose> {
    if (!this.#ended) {
      try {
        this.#conn.close();
      } catch { /* already closed */ }
    }
    return await this.closed;
  }

  async #readLoop(rest: Uint8Array): Promise<RawClose> {
    const frames = new FrameDecoder();
    const chunk = new Uint8Array(65536);
    let pending: Frame[] = frames.push(rest, false);
    try {
      while (true) {
        for (const frame of pending) await this.#onFrame(frame);
        const n = await this.#conn.read(chunk);
        if (n === null) break;
        pending = frames.push(chunk.slice(0, n), false);
      }
    } catch { /* reset or closed locally */ }
    this.#ended = true;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    this.#notify();
    return this.#close;
  }

  async #onFrame(frame: Frame): Promise<void> {
    if (frame.opcode === Opcode.text) this.texts.push(decoder.decode(frame.payload));
    else if (frame.opcode === Opcode.ping) {
      this.pings++;
      if (this.#autoPong) await this.sendFrame(Opcode.pong, frame.payload);
    } else if (frame.opcode === Opcode.close) {
      const p = frame.payload;
      this.#close = {
        code: p.length >= 2 ? (p[0]! << 8) | p[1]! : 1005,
        reason: decoder.decode(p.subarray(2)),
      };
      await this.sendFrame(Opcode.close, p.subarray(0, 2));
    }
    this.#notify();
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
