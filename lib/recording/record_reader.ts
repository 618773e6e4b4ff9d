/**
 * The one reader of a recording's lines: a file (or a block of decompressed bytes) as numbered
 * lines, each handed to a {@linkcode RecordSink} as a checked record or as a bad line with the
 * reason, with the byte offset of the gzip member holding it. Streamed with bounded memory; a line
 * longer than the cap is measured, not kept. Every complete gzip member is announced; gzip damage
 * ends the file (everything before it has been read).
 *
 * The WebAssembly scanner (`depth_scanner.ts`) is an option of it (`scanner: true`): a
 * `depthUpdate` line in the collector's own shape is then read straight into numbers and handed
 * to `sink.event` instead of `sink.record`; every other line goes through `JSON.parse` as without
 * it. The two paths give the same values, lines and messages (`record_reader_test.ts`,
 * `tests/verify_paths_test.ts`).
 *
 * @module
 */
import type { NumericUpdate } from "../book/numeric_book.ts";
import { DepthScanner } from "./depth_scanner.ts";
import { lineText, MAX_LINE_LENGTH, readLineBlocks } from "./line_blocks.ts";
import { type ParsedRecord, parseRecordLine } from "./record_parse.ts";

export { MAX_LINE_LENGTH };

/** A `depthUpdate` read by the scanner: ids, event time, levels as numbers (always valid). */
export interface NumericEvent extends NumericUpdate {
  /** Event time, epoch ms. */
  E: number;
  /** Futures: `u` of the previous event (such lines are read as JSON, not by the scanner). */
  pu?: number;
}

/**
 * What {@linkcode readRecords} hands each line to. `memberStart` is the byte offset of the gzip
 * member in which the line ends (`-1`: the file's last line, which has no newline).
 */
export interface RecordSink {
  /** Line `line` is this checked record (or one of a type this version does not know). */
  record(record: ParsedRecord, line: number, memberStart: number): void;
  /** Line `line` is a `depthUpdate` read by the scanner (only with `scanner: true`). */
  event?(event: NumericEvent, line: number, memberStart: number): void;
  /** Line `line` is not a record: `message` says why (a `bad-line` in `docs/FORMAT.md`). */
  bad(message: string, line: number, memberStart: number): void;
  /** A complete gzip member ends at byte `end` of the file. */
  member?(end: number): void;
  /** The gzip data is damaged at byte `offset`; nothing after it is read. */
  damage?(message: string, offset: number): void;
}

/** Options of {@linkcode readRecords} and {@linkcode LineReader}. */
export interface RecordReaderOptions {
  /** Read `depthUpdate` lines in the collector's shape with the scanner (`sink.event`). */
  scanner?: boolean;
  /** Longest line accepted, in bytes. Default {@linkcode MAX_LINE_LENGTH} (64 MiB). */
  maxLineLength?: number;
  /** Called with every block of raw file bytes, in order (for hashing, progress). */
  onRead?: (bytes: Uint8Array) => void;
}

/**
 * Reads the recording at `path` into `sink`, a block of lines at a time; yields after each block
 * so that the caller can hand on what it built (and stop early by breaking out).
 */
export async function* readRecords(
  path: string,
  sink: RecordSink,
  options: RecordReaderOptions = {},
): AsyncGenerator<void, void, void> {
  const reader = new LineReader(sink, options);
  const blockOptions = {
    maxLineLength: reader.maxLineLength,
    ...(options.onRead ? { onRead: options.onRead } : {}),
  };
  for await (const block of readLineBlocks(path, blockOptions)) {
    switch (block.kind) {
      case "lines":
        reader.lines(block.bytes, block.memberStart);
        break;
      case "long":
        reader.long(block.length, block.memberStart);
        break;
      case "last":
        reader.last(block.bytes);
        break;
      case "member":
        sink.member?.(block.end);
        continue;
      case "damage":
        sink.damage?.(block.message, block.offset);
        return;
    }
    yield;
  }
}

/**
 * Reads decompressed bytes already in memory (e.g. one gzip member) into `sink`, lines numbered
 * from 1; a last line without a newline is a bad line, as at the end of a file.
 */
export function readRecordBytes(
  bytes: Uint8Array,
  sink: RecordSink,
  options: Omit<RecordReaderOptions, "onRead"> & { memberStart?: number } = {},
): void {
  const reader = new LineReader(sink, options);
  const end = bytes.lastIndexOf(10) + 1;
  if (end > 0) reader.lines(bytes.subarray(0, end), options.memberStart ?? 0);
  if (end === bytes.length) return;
  if (bytes.length - end > reader.maxLineLength) reader.long(bytes.length - end, -1);
  else reader.last(bytes.subarray(end));
}

/** Numbers lines and parses them into a sink; the common core of the readers above. */
export class LineReader {
  /** Lines read so far (the number of the last one). */
  line = 0;
  readonly maxLineLength: number;
  readonly #sink: RecordSink;
  readonly #scanner: DepthScanner | null;

  /** A reader into `sink`; with `scanner: true`, `sink.event` is required. */
  constructor(sink: RecordSink, options: Omit<RecordReaderOptions, "onRead"> = {}) {
    if (options.scanner && sink.event === undefined) {
      throw new TypeError("Cannot read with the scanner: the sink has no event() for its events");
    }
    this.#sink = sink;
    this.#scanner = options.scanner ? new DepthScanner() : null;
    this.maxLineLength = options.maxLineLength ?? MAX_LINE_LENGTH;
  }

  /** A block of whole lines (each ending with `\n`) from the member at `memberStart`. */
  lines(bytes: Uint8Array, memberStart: number): void {
    if (this.#scanner !== null) return this.#scan(bytes, memberStart);
    const max = this.maxLineLength;
    for (let start = 0; start < bytes.length;) {
      const nl = bytes.indexOf(10, start);
      const line = ++this.line;
      if (nl - start > max) this.#long(line, nl - start, memberStart);
      else this.#text(line, lineText(bytes.subarray(start, nl), line), memberStart, false);
      start = nl + 1;
    }
  }

  /** A line over the cap, `length` bytes long, skipped. */
  long(length: number, memberStart: number): void {
    this.#long(++this.line, length, memberStart);
  }

  /** The last line of the file, without its newline. */
  last(bytes: Uint8Array): void {
    const line = ++this.line;
    this.#text(line, lineText(bytes, line), -1, true);
  }

  #long(line: number, length: number, memberStart: number): void {
    const message = `Line is longer than ${this.maxLineLength} bytes (${length}); skipped`;
    this.#sink.bad(message, line, memberStart);
  }

  #text(line: number, text: string, memberStart: number, last: boolean): void {
    const result = parseRecordLine(text);
    if (typeof result === "string") this.#sink.bad(result, line, memberStart);
    else if (last) this.#sink.bad("Last line has no newline at the end", line, memberStart);
    else this.#sink.record(result, line, memberStart);
  }

  /** The fast path: the scanner reads event lines into numbers, the others go to JSON. */
  #scan(bytes: Uint8Array, memberStart: number): void {
    const scanner = this.#scanner!;
    const sink = this.#sink;
    const event = sink.event!;
    const max = this.maxLineLength;
    scanner.load(bytes);
    while (scanner.next()) {
      const levels = scanner.levels;
      let at = 0;
      for (let i = 0; i < scanner.count; i++) {
        const line = ++this.line;
        const length = scanner.length(i);
        if (scanner.isEvent(i)) {
          const start = at;
          const bids = scanner.bids(i);
          const asks = scanner.asks(i);
          at += 2 * (bids + asks);
          const U = scanner.U(i);
          const u = scanner.u(i);
          // u < U is left to the JSON path, which names the field.
          if (u >= U && length <= max) {
            event.call(
              sink,
              { E: scanner.E(i), U, u, levels, start, bids, asks },
              line,
              memberStart,
            );
            continue;
          }
        }
        if (length > max) this.#long(line, length, memberStart);
        else this.#text(line, lineText(scanner.lineBytes(i), line), memberStart, false);
      }
    }
  }
}
