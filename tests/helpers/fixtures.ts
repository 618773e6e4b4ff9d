/**
 * Recording files for tests: records → lines → gzip members, and day files built from the real
 * Binance recordings in `../shared/data/binance/spot/` the way the recorder writes them (header,
 * `start` gap, every diff in arrival order, the REST snapshot where it arrived, `book` checkpoints,
 * and at each UTC midnight of `E` a `book` snapshot closing one day and opening the next).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import zlib from "node:zlib";
import { readRawRecording, sharedDataPath } from "../../lib/binance/recording.ts";
import { asBookTicker, asDepthUpdate } from "../../lib/binance/parse.ts";
import type { BookTicker } from "../../lib/binance/types.ts";
import { streamSymbol } from "../../lib/binance/urls.ts";
import { DepthSync } from "../../lib/book/depth_sync.ts";
import {
  depthUpdateRecord,
  FORMAT_VERSION,
  type RecordingRecord,
  serializeRecord,
  utcDay,
} from "../../lib/storage/records.ts";

/** The lines of one symbol's day file. */
export interface DayLines {
  symbol: string;
  date: string;
  lines: string[];
}

/** The header record of a day file. */
export function headerLine(symbol: string, date: string, recv: number): string {
  return serializeRecord({
    type: "header",
    format: FORMAT_VERSION,
    exchange: "binance",
    market: "spot",
    symbol,
    date,
    collector: "test",
    recv,
    stream: `${symbol.toLowerCase()}@depth@100ms`,
  });
}

/** Lines as one gzip file of complete members, `linesPerMember` lines each (default 200). */
export function gzipLines(lines: readonly string[], options: { linesPerMember?: number } = {}) {
  const per = options.linesPerMember ?? 200;
  const members: Buffer[] = [];
  for (let i = 0; i < lines.length; i += per) {
    members.push(zlib.gzipSync(lines.slice(i, i + per).map((l) => `${l}\n`).join("")));
  }
  return new Uint8Array(Buffer.concat(members));
}

/** Writes `day` as `<dataDir>/<symbol>/<date>_dom.jsonl.gz`; returns the path. */
export async function writeDay(
  dataDir: string,
  day: DayLines,
  options: { linesPerMember?: number; bytes?: (gz: Uint8Array) => Uint8Array } = {},
): Promise<string> {
  await Deno.mkdir(`${dataDir}/${day.symbol}`, { recursive: true });
  const path = `${dataDir}/${day.symbol}/${day.date}_dom.jsonl.gz`;
  const gz = gzipLines(day.lines, options);
  await Deno.writeFile(path, options.bytes ? options.bytes(gz) : gz);
  return path;
}

function recvMs(ns: bigint): number {
  return Number(ns / 1000n) / 1000;
}

const cache = new Map<string, Promise<DayLines[]>>();

/**
 * Day files of `symbol` (`BTCUSDT` or `ETHUSDT`) built from both real recordings, with a `book`
 * checkpoint every `checkpointEvery` applied events (default 500).
 */
export function realDays(
  symbol: string,
  options: { checkpointEvery?: number } = {},
): Promise<DayLines[]> {
  const every = options.checkpointEvery ?? 500;
  const key = `${symbol}/${every}`;
  let days = cache.get(key);
  if (days === undefined) {
    days = buildRealDays(symbol, every);
    cache.set(key, days);
  }
  return days.then((d) => d.map((x) => ({ ...x, lines: [...x.lines] })));
}

async function buildRealDays(symbol: string, every: number): Promise<DayLines[]> {
  const sync = new DepthSync();
  const days: DayLines[] = [];
  let current: DayLines | undefined;
  let lastRecv = 0;
  let applied = 0;
  const add = (record: RecordingRecord) => current!.lines.push(serializeRecord(record));
  const book = (recv: number): RecordingRecord | null =>
    sync.inSync ? { type: "snapshot", recv, ...sync.book.snapshot(), source: "book" } : null;
  for (const name of ["20240808", "20240809"]) {
    const path = sharedDataPath(`spot/${symbol.toLowerCase()}_${name}.gz`);
    for await (const m of readRawRecording(path)) {
      const recv = recvMs(m.recvNs);
      lastRecv = recv;
      if (m.kind === "snapshot") {
        if (current === undefined) continue;
        add({ type: "snapshot", recv, ...m.snapshot, source: "rest" });
        sync.onSnapshot(m.snapshot);
        continue;
      }
      if (!m.frame.stream.includes("@depth") || streamSymbol(m.frame.stream) !== symbol) continue;
      const event = asDepthUpdate(m.frame.data);
      const day = utcDay(event.E);
      if (current === undefined || day !== current.date) {
        const opening = book(recv);
        if (current !== undefined && opening) add(opening);
        current = { symbol, date: day, lines: [headerLine(symbol, day, recv)] };
        days.push(current);
        if (opening) add(opening);
        else add({ type: "gap", recv, lastUpdateId: null, reason: "start" });
      }
      add(depthUpdateRecord(event, recv));
      if (sync.onEvent(event).kind === "applied" && ++applied % every === 0) add(book(recv)!);
    }
  }
  const last = book(lastRecv);
  if (last) add(last);
  return days;
}

/** The exchange's bookTickers of `symbol` from both real recordings, in arrival order. */
export async function realBookTickers(symbol: string): Promise<BookTicker[]> {
  const out: BookTicker[] = [];
  for (const name of ["20240808", "20240809"]) {
    const path = sharedDataPath(`spot/${symbol.toLowerCase()}_${name}.gz`);
    for await (const m of readRawRecording(path)) {
      if (m.kind !== "frame" || !m.frame.stream.endsWith("@bookTicker")) continue;
      if (streamSymbol(m.frame.stream) === symbol) out.push(asBookTicker(m.frame.data));
    }
  }
  return out;
}
