/**
 * A recording file as numbered lines: gzip members → text → lines, streamed in batches (one per
 * decompressed block) with bounded memory. A line longer than the cap is counted, not kept. Each
 * complete gzip member is announced; gzip damage ends the stream with a `damage` item, after every
 * line before it.
 *
 * Lines are parsed by the consumer, one at a time ({@linkcode parseLine}), so that parsed records
 * die young instead of piling up a batch at a time.
 *
 * @module
 */
import { type GzipEvent, readGzipMembers } from "../util/gzip_members.ts";
import { type ParsedRecord, parseRecordLine } from "./record_parse.ts";

/** One line of a file: its 1-based number and either the record or what is wrong with it. */
export type ParsedLine =
  | { line: number; record: ParsedRecord; error?: undefined }
  | { line: number; record?: undefined; error: string };

/** Lines from the member that starts at byte `memberStart` (`-1`: the end of the file). */
export interface LineBatch {
  kind: "lines";
  /** Line text, or the length of a line over the cap (skipped). */
  lines: (string | number)[];
  /** Number of the first line of the batch. */
  firstLine: number;
  memberStart: number;
  /** The last line of the batch ends the file without a newline. */
  unterminated: boolean;
}

/** Options of {@linkcode readRecordLines}. */
export interface RecordLinesOptions {
  /** Longest line accepted, in UTF-16 code units. Default 64 MiB. */
  maxLineLength?: number;
  /** Called with every block of raw file bytes, in order (for hashing, progress). */
  onRead?: (bytes: Uint8Array) => void;
}

const PIECE = 64 * 1024;

/** Default longest line: 64 MiB. */
export const MAX_LINE_LENGTH = 64 * 1024 * 1024;

/** Streams the lines of the recording at `path`, member ends, then at most one `damage` event. */
export async function* readRecordLines(
  path: string,
  options: RecordLinesOptions = {},
): AsyncGenerator<LineBatch | Extract<GzipEvent, { kind: "damage" | "member" }>> {
  const max = options.maxLineLength ?? MAX_LINE_LENGTH;
  const decoder = new TextDecoder();
  let rest = "";
  let longLength = -1; // >= 0 while skipping an over-long line
  let lineNo = 0;
  const gzipOptions = options.onRead ? { onRead: options.onRead } : {};
  for await (const event of readGzipMembers(path, gzipOptions)) {
    if (event.kind !== "data") {
      yield event;
      if (event.kind === "damage") return;
      continue;
    }
    const lines: (string | number)[] = [];
    const firstLine = lineNo + 1;
    // Decode in pieces below V8's large-object size, so the text dies young.
    for (let at = 0; at < event.data.length; at += PIECE) {
      const text = decoder.decode(event.data.subarray(at, at + PIECE), { stream: true });
      let start = 0;
      let nl = text.indexOf("\n");
      while (nl >= 0) {
        lineNo++;
        if (longLength >= 0) {
          lines.push(longLength + nl);
          longLength = -1;
        } else {
          const line = rest.length === 0 ? text.slice(start, nl) : rest + text.slice(start, nl);
          rest = "";
          lines.push(line.length > max ? line.length : line);
        }
        start = nl + 1;
        nl = text.indexOf("\n", start);
      }
      if (longLength >= 0) longLength += text.length - start;
      else {
        rest += text.slice(start);
        if (rest.length > max) {
          longLength = rest.length;
          rest = "";
        }
      }
    }
    if (lines.length > 0) {
      yield {
        kind: "lines",
        lines,
        firstLine,
        memberStart: event.memberStart,
        unterminated: false,
      };
    }
  }
  rest += decoder.decode();
  if (longLength >= 0 || rest.length > 0) {
    yield {
      kind: "lines",
      lines: [longLength >= 0 ? longLength : rest],
      firstLine: lineNo + 1,
      memberStart: -1,
      unterminated: true,
    };
  }
}

/** Parses line `i` of `batch` into a record or an error. */
export function parseLine(batch: LineBatch, i: number, max = MAX_LINE_LENGTH): ParsedLine {
  const line = batch.firstLine + i;
  const text = batch.lines[i]!;
  if (typeof text === "number") {
    return { line, error: `Line is longer than ${max} characters (${text}); skipped` };
  }
  const result = parseRecordLine(text);
  if (typeof result === "string") return { line, error: result };
  if (batch.unterminated) return { line, error: "Last line has no newline at the end" };
  return { line, record: result };
}
