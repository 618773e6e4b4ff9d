/**
 * One WebSocket connection to a combined stream: opens it, turns each text message into a parsed
 * frame (or a counted malformed one), recognises the `serverShutdown` notice, and watches for
 * silence: a connection that delivers nothing for `silenceTimeoutMs` is reported so it can be
 * replaced. Pongs are answered by Deno's WebSocket itself.
 *
 * @module
 */
import { isServerShutdown } from "../binance/connection_events.ts";
import { asCombinedFrame, FrameError, parseFrameJson } from "../binance/parse.ts";
import type { CombinedFrame } from "../binance/types.ts";
import { LatencyHistogram } from "../util/latency.ts";
import { receiveTime } from "../recording/records.ts";
import type { FeedDelivery } from "./feed_merge.ts";

/** How a connection ended. */
export interface CloseInfo {
  /** WebSocket close code (1006 when the socket just dropped). */
  code: number;
  /** Close reason text. */
  reason: string;
  /** Whether the socket had opened at all. */
  opened: boolean;
}

/** What a connection reports to its owner; each callback receives the connection. */
export interface ConnectionHandlers {
  /** The socket is open; frames follow. */
  onOpen?(conn: Connection): void;
  /** A combined-stream frame and its local receive time. */
  onFrame(conn: Connection, frame: CombinedFrame, recv: number): void;
  /** A message that is not a frame (counted in `stats.malformed`). */
  onMalformed?(conn: Connection, error: FrameError): void;
  /** The server announced it is shutting down. */
  onShutdownNotice?(conn: Connection): void;
  /** Nothing arrived for `silenceTimeoutMs` (reported once). */
  onSilent?(conn: Connection): void;
  /** The socket is closed, for whatever reason (reported once). */
  onClose?(conn: Connection, info: CloseInfo): void;
}

/** Options of {@linkcode Connection}. */
export interface ConnectionOptions extends ConnectionHandlers {
  /** Full combined-stream URL. */
  url: string;
  /** Stream names in the URL. */
  streams: readonly string[];
  /** Silence after which `onSilent` fires, ms; also the limit for opening. */
  silenceTimeoutMs: number;
  /** WebSocket constructor; the global one by default. */
  WebSocket?: typeof WebSocket;
  /** Clock, epoch ms; `Date.now` by default. */
  now?: () => number;
}

/** Counters of one connection. */
export interface ConnectionStats {
  /** Messages received. */
  messages: number;
  /** Characters received. */
  chars: number;
  /** Messages that were not frames. */
  malformed: number;
}

let nextId = 1;

/** One WebSocket carrying a set of streams. */
export class Connection {
  /** Process-unique number, for logs. */
  readonly id = nextId++;
  readonly streams: readonly string[];
  #streamSet: ReadonlySet<string>;
  readonly stats: ConnectionStats = { messages: 0, chars: 0, malformed: 0 };
  /** Which of its depth events it delivered first, and their lag (kept by the symbols). */
  readonly delivery: FeedDelivery = { first: 0, repeated: 0, lag: new LatencyHistogram() };
  /** When the socket opened (epoch ms), or `null` until then. */
  openedAt: number | null = null;
  /** When the last message arrived (epoch ms). */
  lastMessageAt: number;
  /** Resolves once the socket is closed. */
  readonly closed: Promise<CloseInfo>;
  #o: ConnectionOptions;
  #ws: WebSocket;
  #now: () => number;
  #watchdog: ReturnType<typeof setInterval>;
  #silent = false;
  #done = false;
  #resolveClosed!: (info: CloseInfo) => void;

  /** Opens the socket at once. */
  constructor(options: ConnectionOptions) {
    this.#o = options;
    this.streams = options.streams;
    this.#streamSet = new Set(options.streams);
    this.#now = options.now ?? Date.now;
    this.lastMessageAt = this.#now();
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
    const Ws = options.WebSocket ?? WebSocket;
    this.#ws = new Ws(options.url);
    this.#ws.onopen = () => {
      this.openedAt = this.#now();
      this.lastMessageAt = this.openedAt;
      this.#o.onOpen?.(this);
    };
    this.#ws.onmessage = (event: MessageEvent) => this.#message(event.data);
    this.#ws.onerror = (event) => {
      // An error is always followed by a close event; that is where it is handled.
      event.preventDefault?.();
    };
    this.#ws.onclose = (event: CloseEvent) => this.#finish(event.code, event.reason);
    const tick = Math.max(10, Math.min(1000, options.silenceTimeoutMs / 4));
    this.#watchdog = setInterval(() => this.#check(), tick);
  }

  /** Whether `stream` is one of this connection's streams. */
  has(stream: string): boolean {
    return this.#streamSet.has(stream);
  }

  /** Whether the socket is open. */
  get isOpen(): boolean {
    return !this.#done && this.#ws.readyState === WebSocket.OPEN;
  }

  /**
   * Closes the socket (no more frames are reported) and resolves when it is closed; after
   * `graceMs` without the server's answer it stops waiting.
   */
  async close(code = 1000, reason = "", graceMs = 1000): Promise<CloseInfo> {
    if (!this.#done) {
      this.#quiet();
      try {
        this.#ws.close(code, reason);
      } catch {
        // Already closing.
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, graceMs));
      await Promise.race([this.closed, timeout]);
      clearTimeout(timer);
      this.#finish(code, reason);
    }
    return await this.closed;
  }

  #message(data: unknown): void {
    if (this.#done) return;
    this.lastMessageAt = this.#now();
    this.stats.messages++;
    if (typeof data !== "string") {
      this.#malformed(new FrameError("Binary message on a text stream"));
      return;
    }
    const recv = receiveTime();
    this.stats.chars += data.length;
    let frame: CombinedFrame;
    try {
      // Parsed once: a shutdown notice is not a combined-stream frame.
      const value = parseFrameJson(data);
      if (isServerShutdown(value)) {
        this.#o.onShutdownNotice?.(this);
        return;
      }
      frame = asCombinedFrame(value, data);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      this.#malformed(error);
      return;
    }
    this.#o.onFrame(this, frame, recv);
  }

  #malformed(error: FrameError): void {
    this.stats.malformed++;
    this.#o.onMalformed?.(this, error);
  }

  #check(): void {
    if (this.#done || this.#silent) return;
    const quietFor = this.#now() - this.lastMessageAt;
    const limit = this.openedAt === null ? 2 * this.#o.silenceTimeoutMs : this.#o.silenceTimeoutMs;
    if (quietFor < limit) return;
    this.#silent = true;
    this.#o.onSilent?.(this);
  }

  #quiet(): void {
    clearInterval(this.#watchdog);
    this.#ws.onmessage = null;
    this.#ws.onopen = null;
  }

  #finish(code: number, reason: string): void {
    if (this.#done) return;
    this.#done = true;
    this.#quiet();
    const info = { code, reason, opened: this.openedAt !== null };
    this.#resolveClosed(info);
    this.#o.onClose?.(this, info);
  }
}
