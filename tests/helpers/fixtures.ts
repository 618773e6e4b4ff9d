/**
 * Recording files for tests: records → lines → gzip members, and day files built from the real
 * Binance recordings in `../shared/data/binance/spot/` the way the recorder writes them (header,
 * `start` gap, every diff in arrival order, the REST snapshot where it arrived, `book` checkpoints,
 * and at each UTC midnight of `E` a `book` snapshot closing one day and opening the next); and the
 * same of the USDⓈ-M futures recordings in `usdm/` (`market: "usdm"`, events with `T` and `pu`).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import zlib from "node:zlib";
import { readRawRecording, sharedDataPath } from "../../lib/recording/raw_recording.ts";
import { asBookTicker, asDepthUpdate, asTrade } from "../../lib/binance/parse.ts";
import type { BookTicker, Market, StreamKind } from "../../lib/binance/types.ts";
import { streamSymbol } from "../../lib/binance/urls.ts";
import { DepthSync } from "../../lib/book/depth_sync.ts";
import {
  bookTickerRecord,
  depthUpdateRecord,
  FORMAT_VERSION,
  recordingPath,
  type RecordingRecord,
  serializeRecord,
  tradeRecord,
  utcDay,
} from "../../lib/recording/records.ts";

/** The lines of one symbol's day file (of `stream`, default depth). */
export interface DayLines {
  symbol: string;
  date: string;
  lines: string[];
  stream?: StreamKind;
  /** Default spot; a usdm day is written under `usdm/`. */
  market?: Market;
}

/** The header record of a day file; `stream` default `<symbol>@depth@100ms`, market spot. */
export function headerLine(
  symbol: string,
  date: string,
  recv: number,
  stream = `${symbol.toLowerCase()}@depth@100ms`,
  market: Market = "spot",
): string {
  return serializeRecord({
    type: "header",
    format: FORMAT_VERSION,
    exchange: "binance",
    market,
    symbol,
    date,
    collector: "test",
    recv,
    stream,
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

/**
 * Writes `day` as `<dataDir>/<symbol>/<date>_dom.jsonl.gz` (`_trade`, … for another stream;
 * `<dataDir>/usdm/<symbol>/…` for a usdm day); returns the path.
 */
export async function writeDay(
  dataDir: string,
  day: DayLines,
  options: { linesPerMember?: number; bytes?: (gz: Uint8Array) => Uint8Array } = {},
): Promise<string> {
  const relative = recordingPath(day.symbol, day.date, day.stream ?? "depth", day.market);
  const path = `${dataDir}/${relative}`;
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
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
  return cachedDays(symbol, every, "spot");
}

/**
 * Day files of `symbol` (`BTCUSDT` or `ETHUSDT`) built from the real USDⓈ-M futures recording
 * (`usdm/`, about 10 minutes around midnight of 2024-08-08), as `realDays()` builds spot ones:
 * header `market: "usdm"`, stream `<symbol>@depth@0ms`, every event with its `T` and `pu`, the
 * `/fapi/v1/depth` snapshot (with `E`, `T`), a `book` checkpoint every `checkpointEvery` applied
 * events (default 500), synced by the futures rules.
 */
export function realFuturesDays(
  symbol: string,
  options: { checkpointEvery?: number } = {},
): Promise<DayLines[]> {
  return cachedDays(symbol, options.checkpointEvery ?? 500, "usdm");
}

/** The recordings of a market in `../shared/data/binance/`, by file day. */
const RECORDING_DAYS: Record<Market, string[]> = {
  spot: ["20240808", "20240809"],
  usdm: ["20240808"],
};

function cachedDays(symbol: string, every: number, market: Market): Promise<DayLines[]> {
  const key = `${market}/${symbol}/${every}`;
  let days = cache.get(key);
  if (days === undefined) {
    days = buildRealDays(symbol, every, market);
    cache.set(key, days);
  }
  return days.then((d) => d.map((x) => ({ ...x, lines: [...x.lines] })));
}

async function buildRealDays(symbol: string, every: number, market: Market): Promise<DayLines[]> {
  const sync = new DepthSync({ market });
  const stream = `${symbol.toLowerCase()}@depth@${market === "usdm" ? "0ms" : "100ms"}`;
  const days: DayLines[] = [];
  let current: DayLines | undefined;
  let lastRecv = 0;
  let applied = 0;
  const add = (record: RecordingRecord) => current!.lines.push(serializeRecord(record));
  const book = (recv: number): RecordingRecord | null =>
    sync.inSync ? { type: "snapshot", recv, ...sync.book.snapshot(), source: "book" } : null;
  for (const name of RECORDING_DAYS[market]) {
    const path = sharedDataPath(`${market}/${symbol.toLowerCase()}_${name}.gz`);
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
        const header = headerLine(symbol, day, recv, stream, market);
        current = { symbol, date: day, lines: [header], ...(market === "spot" ? {} : { market }) };
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

/** The exchange's bookTickers of `symbol` from the real recordings of `market`, in arrival order. */
export async function realBookTickers(
  symbol: string,
  market: Market = "spot",
): Promise<BookTicker[]> {
  const out: BookTicker[] = [];
  for (const name of RECORDING_DAYS[market]) {
    const path = sharedDataPath(`${market}/${symbol.toLowerCase()}_${name}.gz`);
    for await (const m of readRawRecording(path)) {
      if (m.kind !== "frame" || !m.frame.stream.endsWith("@bookTicker")) continue;
      if (streamSymbol(m.frame.stream) === symbol) out.push(asBookTicker(m.frame.data));
    }
  }
  return out;
}

const streamCache = new Map<string, Promise<DayLines[]>>();

/**
 * Trade or bookTicker day files of `symbol` built from the real `@trade` and `@bookTicker` frames
 * of the real recordings of `market` (default spot), as the collector writes them: a header naming the stream, a `start` gap in
 * the first file only (a day continues the day before), every event in arrival order as its
 * record; a trade's day is that of its `T`, a bookTicker's that of its `recv`.
 */
export function realStreamDays(
  symbol: string,
  stream: "trade" | "bookTicker",
  market: Market = "spot",
): Promise<DayLines[]> {
  const key = `${market}/${symbol}/${stream}`;
  let days = streamCache.get(key);
  if (days === undefined) {
    days = buildStreamDays(symbol, stream, market);
    streamCache.set(key, days);
  }
  return days.then((d) => d.map((x) => ({ ...x, lines: [...x.lines] })));
}

async function buildStreamDays(symbol: string, stream: "trade" | "bookTicker", market: Market) {
  const days: DayLines[] = [];
  let current: DayLines | undefined;
  const name = `${symbol.toLowerCase()}@${stream}`;
  for (const file of RECORDING_DAYS[market]) {
    const path = sharedDataPath(`${market}/${symbol.toLowerCase()}_${file}.gz`);
    for await (const m of readRawRecording(path)) {
      if (m.kind !== "frame" || m.frame.stream !== name) continue;
      const recv = recvMs(m.recvNs);
      const record = stream === "trade"
        ? tradeRecord(asTrade(m.frame.data), recv)
        : bookTickerRecord(asBookTicker(m.frame.data), recv);
      const day = utcDay(record.type === "trade" ? record.T : recv);
      if (current === undefined || day !== current.date) {
        const first = current === undefined;
        const lines = [headerLine(symbol, day, recv, name, market)];
        current = { symbol, date: day, stream, lines, ...(market === "spot" ? {} : { market }) };
        days.push(current);
        if (first) {
          current.lines.push(
            serializeRecord({ type: "gap", recv, lastUpdateId: null, reason: "start" }),
          );
        }
      }
      current.lines.push(serializeRecord(record));
    }
  }
  return days;
}

/** Options of {@linkcode writeLongDay}. */
export interface LongDayOptions {
  /** Stop once the file is at least this many bytes. */
  targetBytes: number;
  /** gzip level. Default 6. */
  level?: number;
  /** Lines per gzip member. Default 500. */
  linesPerMember?: number;
  /** The file's UTC day. Default `2024-08-10`. */
  date?: string;
  /**
   * Write `recv` last in event lines, as another tool might: valid records that `verify` parses
   * as JSON instead of scanning them. Default false (the collector's own field order).
   */
  recvLast?: boolean;
}

/**
 * Writes one large BTCUSDT day file at `path` from the real events, repeated with update ids and
 * times shifted: each repetition starts with a `gap`, the real REST snapshot and then every real
 * diff (a whole file with one marked gap per repetition). Streams: memory stays small.
 */
export async function writeLongDay(
  path: string,
  options: LongDayOptions,
): Promise<{ bytes: number; events: number; cycles: number }> {
  const date = options.date ?? "2024-08-10";
  const level = options.level ?? 6;
  const per = options.linesPerMember ?? 500;
  const days = await realDays("BTCUSDT", { checkpointEvery: 1_000_000 });
  const events: { recv: number; E: number; U: number; u: number; tail: string }[] = [];
  let snapshot: { recv: number; lastUpdateId: number; tail: string } | undefined;
  for (const day of days) {
    for (const line of day.lines) {
      const r = JSON.parse(line);
      if (r.type === "depthUpdate") {
        events.push({
          recv: r.recv,
          E: r.E,
          U: r.U,
          u: r.u,
          tail: line.slice(line.indexOf(',"b":')),
        });
      } else if (r.type === "snapshot" && r.source === "rest") {
        snapshot = {
          recv: r.recv,
          lastUpdateId: r.lastUpdateId,
          tail: line.slice(line.indexOf(',"bids":')),
        };
      }
    }
  }
  const first = events[0]!;
  const last = events.at(-1)!;
  const idSpan = last.u - first.U + 1000;
  const dayStart = Date.parse(`${date}T00:00:00Z`);
  const timeSpan = last.E - first.E + 1000;
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  let bytes = 0;
  let count = 0;
  let lines: string[] = [headerLine("BTCUSDT", date, dayStart)];
  const flush = async () => {
    const gz = zlib.gzipSync(lines.join("\n") + "\n", { level });
    lines = [];
    for (let b: Uint8Array = gz; b.length > 0;) b = b.subarray(await file.write(b));
    bytes += gz.length;
  };
  let cycles = 0;
  for (let k = 0; bytes < options.targetBytes; k++) {
    const dId = k * idSpan;
    const dT = dayStart + 1000 + k * timeSpan - first.E;
    if (dT + last.E >= dayStart + DAY_MS) throw new RangeError(`Too many cycles for one day: ${k}`);
    lines.push(
      `{"type":"gap","recv":${first.recv + dT},"lastUpdateId":${
        k === 0 ? null : last.u + dId - idSpan
      },"reason":"${k === 0 ? "start" : "disconnect"}"}`,
    );
    for (const [i, e] of events.entries()) {
      if (snapshot !== undefined && i === 2) {
        lines.push(
          `{"type":"snapshot","recv":${snapshot.recv + dT},"lastUpdateId":${
            snapshot.lastUpdateId + dId
          }${snapshot.tail}`,
        );
      }
      const ids = `"E":${e.E + dT},"U":${e.U + dId},"u":${e.u + dId}`;
      lines.push(
        options.recvLast
          ? `{"type":"depthUpdate",${ids}${e.tail.slice(0, -1)},"recv":${e.recv + dT}}`
          : `{"type":"depthUpdate","recv":${e.recv + dT},${ids}${e.tail}`,
      );
      count++;
      if (lines.length >= per) await flush();
    }
    cycles++;
  }
  if (lines.length > 0) await flush();
  return { bytes, events: count, cycles };
}

const DAY_MS = 86_400_000;
