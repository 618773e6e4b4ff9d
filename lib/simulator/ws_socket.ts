/**
 * Server side of the WebSocket protocol (RFC 6455) over a raw TCP socket, written by hand so the
 * simulator controls every byte: it can drop a connection without a close frame, stall it with TCP
 * still open, or send a frame that is not valid JSON.
 *
 * Server frames are unmasked; client frames must be masked. Text, binary, continuation, ping, pong
 * and close frames are understood; payload lengths use the 7-bit, 16-bit and 64-bit forms.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Duplex } from "node:stream";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** Largest message accepted from a client; a larger one closes the connection with 1009. */
const MAX_MESSAGE_BYTES = 1 << 20;
/** How long a closing connection waits for the client's close frame before it is destroyed. */
const CLOSE_GRACE_MS = 1000;
/** A client this far behind in reading is dropped, as the exchange drops slow consumers. */
const MAX_BUFFERED_BYTES = 64 << 20;

/** Frame opcodes. */
export const Opcode = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

/** The `Sec-WebSocket-Accept` value for a client's `Sec-WebSocket-Key`. */
export function acceptKey(key: string): string {
  return createHash("sha1").update(key + GUID).digest("base64");
}

/** Encodes one server frame (unmasked). */
export function encodeFrame(opcode: number, payload: Uint8Array, fin = true): Uint8Array {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = new Uint8Array(headerLength + length);
  frame[0] = (fin ? 0x80 : 0) | opcode;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame[2] = length >>> 8;
    frame[3] = length & 0xff;
  } else {
    frame[1] = 127;
    new DataView(frame.buffer).setBigUint64(2, BigInt(length));
  }
  frame.set(payload, headerLength);
  return frame;
}

/** One decoded frame. */
export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Uint8Array;
}

/** A violation of the protocol by the peer, with the close code to answer it. */
export class WsProtocolError extends Error {
  /** Creates an error closing with `code`. */
  constructor(message: string, readonly code: number) {
    super(message);
    this.name = "WsProtocolError";
  }
}

/**
 * Incremental decoder of client frames: feed bytes, take whole frames. Throws
 * {@linkcode WsProtocolError} for unmasked or oversized frames.
 */
export class FrameDecoder {
  #buffer = new Uint8Array(0);

  /** Appends bytes and returns every frame now complete. */
  push(chunk: Uint8Array, requireMask = true): Frame[] {
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.length);
    const frames: Frame[] = [];
    let at = 0;
    while (true) {
      const frame = this.#decodeAt(joined, at, requireMask);
      if (!frame) break;
      frames.push(frame.frame);
      at = frame.next;
    }
    this.#buffer = joined.slice(at);
    return frames;
  }

  #decodeAt(
    bytes: Uint8Array,
    at: number,
    requireMask: boolean,
  ): { frame: Frame; next: number } | null {
    if (bytes.length - at < 2) return null;
    const b0 = bytes[at]!;
    const b1 = bytes[at + 1]!;
    const masked = (b1 & 0x80) !== 0;
    if (requireMask && !masked) throw new WsProtocolError("Client frame is not masked", 1002);
    let length = b1 & 0x7f;
    let offset = at + 2;
    if (length === 126) {
      if (bytes.length - offset < 2) return null;
      length = (bytes[offset]! << 8) | bytes[offset + 1]!;
      offset += 2;
    } else if (length === 127) {
      if (bytes.length - offset < 8) return null;
      const big = new DataView(bytes.buffer, bytes.byteOffset + offset, 8).getBigUint64(0);
      if (big > BigInt(MAX_MESSAGE_BYTES)) {
        throw new WsProtocolError(`Frame of ${big} bytes is too large`, 1009);
      }
      length = Number(big);
      offset += 8;
    }
    if (length > MAX_MESSAGE_BYTES) {
      throw new WsProtocolError(`Frame of ${length} bytes is too large`, 1009);
    }
    const maskLength = masked ? 4 : 0;
    if (bytes.length - offset < maskLength + length) return null;
    const mask = bytes.slice(offset, offset + maskLength);
    offset += maskLength;
    const payload = bytes.slice(offset, offset + length);
    if (masked) { for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i & 3]!; }
    return {
      frame: { fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload },
      next: offset + length,
    };
  }
}

/** What a {@linkcode WsSocket} reports to its owner. */
export interface WsSocketHandlers {
  /** A whole text message (continuations joined). */
  onText?(text: string): void;
  /** Any frame that counts as an incoming message (text, binary, ping, pong). */
  onIncoming?(opcode: number): void;
  /** A pong frame. */
  onPong?(payload: Uint8Array): void;
  /** The TCP connection is gone (after a close handshake, a drop, or an error). */
  onClosed?(): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One server-side WebSocket connection over an upgraded socket. */
export class WsSocket {
  #socket: Duplex;
  #handlers: WsSocketHandlers;
  #decoder = new FrameDecoder();
  #fragments: Uint8Array[] = [];
  #fragmentOpcode = 0;
  #closing = false;
  #closed = false;
  #stalled = false;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;

  /** Wraps an upgraded socket; `head` is what the HTTP parser read past the handshake. */
  constructor(socket: Duplex, handlers: WsSocketHandlers, head?: Uint8Array) {
    this.#socket = socket;
    this.#handlers = handlers;
    socket.on("data", (chunk: Uint8Array) => this.#onData(chunk));
    socket.on("error", () => this.#finish());
    socket.on("close", () => this.#finish());
    if (head && head.length > 0) queueMicrotask(() => this.#onData(head));
  }

  /** True once the connection is closing or closed. */
  get closed(): boolean {
    return this.#closing || this.#closed;
  }

  /** True after {@linkcode stall}. */
  get stalled(): boolean {
    return this.#stalled;
  }

  /** Sends a text message. */
  sendText(text: string): void {
    this.#write(encodeFrame(Opcode.text, encoder.encode(text)));
  }

  /** Sends a ping frame. */
  sendPing(payload: Uint8Array = new Uint8Array(0)): void {
    this.#write(encodeFrame(Opcode.ping, payload));
  }

  /** Sends a close frame with `code`, then waits briefly for the client's reply and ends TCP. */
  close(code = 1000, reason = ""): void {
    if (this.#closing || this.#closed || this.#stalled) return;
    const reasonBytes = encoder.encode(reason).slice(0, 123);
    const payload = new Uint8Array(2 + reasonBytes.length);
    payload[0] = code >>> 8;
    payload[1] = code & 0xff;
    payload.set(reasonBytes, 2);
    this.#write(encodeFrame(Opcode.close, payload));
    this.#closing = true;
    this.#closeTimer = setTimeout(() => this.destroy(), CLOSE_GRACE_MS);
  }

  /** Drops TCP at once, without a close frame. */
  destroy(): void {
    this.#socket.destroy();
    this.#finish();
  }

  /** From now on nothing is sent and everything received is ignored; TCP stays open. */
  stall(): void {
    this.#stalled = true;
  }

  /** Writes raw bytes (e.g. a deliberately broken frame). */
  writeRaw(bytes: Uint8Array): void {
    this.#write(bytes);
  }

  #write(bytes: Uint8Array): void {
    if (this.#closing || this.#closed || this.#stalled) return;
    if (this.#socket.writableLength > MAX_BUFFERED_BYTES) return this.destroy();
    this.#socket.write(bytes);
  }

  #onData(chunk: Uint8Array): void {
    if (this.#closed || this.#stalled) return;
    let frames: Frame[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (error) {
      const code = error instanceof WsProtocolError ? error.code : 1002;
      this.close(code, error instanceof Error ? error.message : "Protocol error");
      return;
    }
    for (const frame of frames) {
      if (this.#closed || this.#stalled) return;
      this.#onFrame(frame);
    }
  }

  #onFrame(frame: Frame): void {
    const { opcode } = frame;
    if (opcode === Opcode.close) {
      if (!this.#closing) {
        // Echo the client's close code, then end.
        const code = frame.payload.length >= 2
          ? (frame.payload[0]! << 8) | frame.payload[1]!
          : 1000;
        this.#write(encodeFrame(Opcode.close, codePayload(code)));
        this.#closing = true;
      }
      this.#socket.end();
      this.#closeTimer ??= setTimeout(() => this.destroy(), CLOSE_GRACE_MS);
      return;
    }
    if (this.#closing) return;
    if (opcode === Opcode.ping) {
      this.#handlers.onIncoming?.(opcode);
      this.#write(encodeFrame(Opcode.pong, frame.payload));
      return;
    }
    if (opcode === Opcode.pong) {
      this.#handlers.onIncoming?.(opcode);
      this.#handlers.onPong?.(frame.payload);
      return;
    }
    if (opcode === Opcode.text || opcode === Opcode.binary) {
      this.#fragments = [frame.payload];
      this.#fragmentOpcode = opcode;
    } else if (opcode === Opcode.continuation) {
      if (this.#fragments.length === 0) {
        this.close(1002, "Continuation without a start");
        return;
      }
      this.#fragments.push(frame.payload);
    } else {
      this.close(1002, `Unknown opcode ${opcode}`);
      return;
    }
    if (!frame.fin) return;
    const message = concat(this.#fragments);
    this.#fragments = [];
    this.#handlers.onIncoming?.(this.#fragmentOpcode);
    if (this.#fragmentOpcode === Opcode.text) this.#handlers.onText?.(decoder.decode(message));
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#closeTimer !== undefined) clearTimeout(this.#closeTimer);
    this.#socket.destroy();
    this.#handlers.onClosed?.();
  }
}

function codePayload(code: number): Uint8Array {
  return new Uint8Array([code >>> 8, code & 0xff]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
