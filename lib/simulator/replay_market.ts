/**
 * Replay of raw recordings (`../shared/data/binance/spot/*.gz`): the recorded frames are played
 * back in receive-time order, paced by their receive times divided by a speed factor. Files of one
 * symbol are played one after the other (ordered by their first receive time); files of different
 * symbols are merged.
 *
 * Each symbol's reference book starts from the first REST snapshot in its files; diffs that end
 * at or before that snapshot's id are published but not applied, as a client would drop them.
 * Without a snapshot the book starts empty just before the first diff.
 *
 * @module
 */
import { readRawRecording } from "../recording/raw_recording.ts";
import type { RawMessage } from "../recording/raw_recording.ts";
import { asDepthUpdate } from "../binance/parse.ts";
import { streamSymbol } from "../binance/urls.ts";
import type { DepthSnapshot, DepthUpdate } from "../binance/types.ts";
import { DepthHistory } from "./depth_history.ts";

/** What the replay reports. */
export interface ReplayHandlers {
  /** A diff event of `symbol` (already recorded in its history). */
  onDepth(symbol: string, event: DepthUpdate, stream: string): void;
  /** Any other frame (bookTicker, trade…) as recorded. */
  onFrame(stream: string, data: unknown): void;
  /** The recordings are exhausted. */
  onEnd(): void;
}

/** Longest stretch of replay work without giving the event loop to sockets, ms. */
const YIELD_EVERY_MS = 5;
/** How many messages at the start of a file are searched for its REST snapshot. */
const SCAN_MESSAGES = 5000;

interface FileInfo {
  path: string;
  symbol: string;
  firstNs: bigint;
  snapshot: DepthSnapshot | null;
  firstDiff: DepthUpdate | null;
}

async function scanFile(path: string): Promise<FileInfo> {
  let symbol: string | null = null;
  let firstNs: bigint | null = null;
  let snapshot: DepthSnapshot | null = null;
  let firstDiff: DepthUpdate | null = null;
  let count = 0;
  for await (const message of readRawRecording(path)) {
    firstNs ??= message.recvNs;
    // A snapshot is taken near the start of a recording, or not at all.
    if (++count > SCAN_MESSAGES && symbol !== null && firstDiff !== null) break;
    if (message.kind === "snapshot") snapshot ??= message.snapshot;
    else {
      symbol ??= streamSymbol(message.frame.stream);
      if (firstDiff === null && message.frame.stream.includes("@depth")) {
        firstDiff = asDepthUpdate(message.frame.data);
      }
    }
    if (symbol !== null && snapshot !== null && firstDiff !== null) break;
  }
  if (symbol === null || firstNs === null) {
    throw new Error(`Recording "${path}" holds no stream frames`);
  }
  return { path, symbol, firstNs, snapshot, firstDiff };
}

/** A replay of one or more recordings. */
export class ReplayMarket {
  readonly histories = new Map<string, DepthHistory>();
  #files: Map<string, FileInfo[]>;
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #wake: (() => void) | undefined;
  #iterators: AsyncGenerator<RawMessage>[] = [];

  private constructor(files: Map<string, FileInfo[]>, maxEvents?: number) {
    this.#files = files;
    for (const [symbol, infos] of files) {
      const snapshot = infos.find((i) => i.snapshot)?.snapshot ??
        {
          lastUpdateId: (infos.find((i) => i.firstDiff)?.firstDiff?.U ?? 1) - 1,
          bids: [],
          asks: [],
        };
      this.histories.set(
        symbol,
        new DepthHistory(symbol, snapshot, maxEvents ? { maxEvents } : {}),
      );
    }
  }

  /** Scans `paths` (symbol, order, snapshot) and prepares the replay. */
  static async open(paths: string[], options: { maxEvents?: number } = {}): Promise<ReplayMarket> {
    const bySymbol = new Map<string, FileInfo[]>();
    for (const path of paths) {
      const info = await scanFile(path);
      const list = bySymbol.get(info.symbol) ?? [];
      list.push(info);
      bySymbol.set(info.symbol, list);
    }
    for (const list of bySymbol.values()) list.sort((a, b) => (a.firstNs < b.firstNs ? -1 : 1));
    return new ReplayMarket(bySymbol, options.maxEvents);
  }

  /** Symbols of the recordings. */
  get symbols(): string[] {
    return [...this.histories.keys()];
  }

  /** Plays the recordings at `speed` times real time; resolves when done or stopped. */
  async run(handlers: ReplayHandlers, speed: number): Promise<void> {
    const heads: { iterator: AsyncGenerator<RawMessage>; message: RawMessage }[] = [];
    for (const infos of this.#files.values()) {
      const iterator = chain(infos.map((i) => i.path));
      this.#iterators.push(iterator);
      const first = await iterator.next();
      if (!first.done) heads.push({ iterator, message: first.value });
    }
    if (heads.length === 0) return handlers.onEnd();
    const t0 = heads.reduce(
      (m, h) => (h.message.recvNs < m ? h.message.recvNs : m),
      heads[0]!.message.recvNs,
    );
    const start = performance.now();
    let lastYield = start;
    while (heads.length > 0 && !this.#stopped) {
      let best = 0;
      for (let i = 1; i < heads.length; i++) {
        if (heads[i]!.message.recvNs < heads[best]!.message.recvNs) best = i;
      }
      const head = heads[best]!;
      const due = start + Number(head.message.recvNs - t0) / 1e6 / speed;
      const now = performance.now();
      const wait = due - now;
      if (wait > 2) {
        await this.#sleep(wait);
        lastYield = performance.now();
      } else if (now - lastYield > YIELD_EVERY_MS) {
        // Behind schedule: still let sockets and REST requests through now and then.
        await this.#sleep(0);
        lastYield = performance.now();
      }
      if (this.#stopped) break;
      this.#dispatch(head.message, handlers);
      const next = await head.iterator.next();
      if (next.done) heads.splice(best, 1);
      else head.message = next.value;
    }
    if (!this.#stopped) handlers.onEnd();
  }

  /** Stops the replay and releases its timers and files. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#wake?.();
    for (const iterator of this.#iterators) await iterator.return(undefined).catch(() => {});
  }

  #dispatch(message: RawMessage, handlers: ReplayHandlers): void {
    if (message.kind === "snapshot") return;
    const { stream, data } = message.frame;
    if (stream.includes("@depth")) {
      const event = asDepthUpdate(data);
      this.histories.get(event.s)?.append(event);
      handlers.onDepth(event.s, event, stream);
    } else {
      handlers.onFrame(stream, data);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(resolve, ms);
    });
  }
}

async function* chain(paths: string[]): AsyncGenerator<RawMessage> {
  for (const path of paths) yield* readRawRecording(path);
}
