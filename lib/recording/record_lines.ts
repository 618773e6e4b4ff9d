/**
 * A recording file as numbered lines of text, streamed in batches (one per block of
 * {@linkcode readLineBlocks}) with bounded memory. A line longer than the cap is counted, not
 * kept. Each complete gzip member is announced; gzip damage ends the stream with a `damage` item,
 * after every line before it.
 *
 * Lines are parsed by the consumer, one at a time ({@linkcode parseLine}), so that parsed records
 * die young instead of piling up a batch at a time.
 *
 * @module
 */
import { type LineBlock, lineText, MAX_LINE_LENGTH, readLineBlocks } from "./line_blocks.ts";
import { type ParsedRecord, parseRecordLine } from "./record_parse.ts";

export { MAX_LINE_LENGTH };

/** One line of a file: its 1-based number and either the record or what is wrong with it. */
export type ParsedLine =
  | { line: number; record: ParsedRecord; error?: undefined }
  | { line: number; record?: undefined; error: string };

/** Lines from the member that starts at byte `memberStart` (`-1`: the end of the file). */
export interface LineBatch {
  kind: "lines";
  /** Line text, or the length in bytes of a line over the cap (skipped). */
  lines: (string | number)[];
  /** Number of the first line of the batch. */
  firstLine: number;
  memberStart: number;
  /** The last line of the batch ends the file without a newline. */
  unterminated: boolean;
}

/** Options of {@linkcode readRecordLines}. */
export interface RecordLinesOptions {
  /** Longest line accepted, in bytes. Default 64 MiB. */
  maxLineLength?: number;
  /** Called with every block of raw file bytes, in order (for hashing, progress). */
  onRead?: (bytes: Uint8Array) => void;
}

/** Streams the lines of the recording at `path`, member ends, then at most one `damage` event. */
export async function* readRecordLines(
  path: string,
  options: RecordLinesOptions = {},
): AsyncGenerator<LineBatch | Exclude<LineBlock, { kind: "lines" | "long" | "last" }>> {
  const max = options.maxLineLength ?? MAX_LINE_LENGTH;
  let next = 1;
  for await (const block of readLineBlocks(path, options)) {
    const firstLine = next;
    if (block.kind === "lines") {
      const bytes = block.bytes;
      const lines: (string | number)[] = [];
      for (let start = 0; start < bytes.length;) {
        const nl = bytes.indexOf(10, start);
        const line = firstLine + lines.length;
        lines.push(nl - start > max ? nl - start : lineText(bytes.subarray(start, nl), line));
        start = nl + 1;
      }
      next += lines.length;
      yield {
        kind: "lines",
        lines,
        firstLine,
        memberStart: block.memberStart,
        unterminated: false,
      };
    } else if (block.kind === "long") {
      next++;
      const { memberStart, unterminated } = block;
      yield { kind: "lines", lines: [block.length], firstLine, memberStart, unterminated };
    } else if (block.kind === "last") {
      next++;
      const lines = [lineText(block.bytes, firstLine)];
      yield { kind: "lines", lines, firstLine, memberStart: -1, unterminated: true };
    } else {
      yield block;
    }
  }
}

/** Parses line `i` of `batch` into a record or an error. */
export function parseLine(batch: LineBatch, i: number, max = MAX_LINE_LENGTH): ParsedLine {
  const text = batch.lines[i]!;
  const line = batch.firstLine + i;
  const last = batch.unterminated && i === batch.lines.length - 1;
  return typeof text === "number" ? longLine(line, text, max) : parseText(line, text, last);
}

/** Line `line`, of `text`, as a record or an error; `last`: it ends the file without a newline. */
export function parseText(line: number, text: string, last = false): ParsedLine {
  const result = parseRecordLine(text);
  if (typeof result === "string") return { line, error: result };
  if (last) return { line, error: "Last line has no newline at the end" };
  return { line, record: result };
}

/** Line `line`, `length` bytes long, skipped for being longer than `max`. */
export function longLine(line: number, length: number, max = MAX_LINE_LENGTH): ParsedLine {
  return { line, error: `Line is longer than ${max} bytes (${length}); skipped` };
}
