/**
 * A recording file as numbered, parsed lines: gzip members → text → lines → records, streamed in
 * batches (one per decompressed block) with bounded memory. A line longer than the cap is counted,
 * not kept. Each complete gzip member is announced; gzip damage ends the stream with a `damage` item; the lines before it are all yielded.
 *
 * @module
 */
import { type GzipEvent, readGzipMembers } from "../util/gzip_members.ts";
import { type ParsedRecord, parseRecordLine } from "./record_parse.ts";

/** One line of a file: its 1-based number and either the record or what is wrong with it. */
export type ParsedLine =
  | { line: number; record: ParsedRecord; error?: undefined }
  | { line: number; record?: undefined; error: string };

/** A batch of lines, all from the member that starts at byte `memberStart`. */
export interface LineBatch {
  kind: "lines";
  lines: ParsedLine[];
  memberStart: number;
}

/** Options of {@linkcode readRecordLines}. */
export interface RecordLinesOptions {
  /** Longest line accepted, in UTF-16 code units. Default 64 MiB. */
  maxLineLength?: number;
  /** Called with every block of raw file bytes, in order (for hashing, progress). */
  onRead?: (bytes: Uint8Array) => void;
}

/** Streams the parsed lines of the recording at `path`, then at most one gzip `damage` event. */
export async function* readRecordLines(
  path: string,
  options: RecordLinesOptions = {},
): AsyncGenerator<LineBatch | Extract<GzipEvent, { kind: "damage" | "member" }>> {
  const max = options.maxLineLength ?? 64 * 1024 * 1024;
  const decoder = new TextDecoder();
  let rest = "";
  let longLength = -1; // >= 0 while skipping an over-long line
  let lineNo = 0;
  const gzipOptions = options.onRead ? { onRead: options.onRead } : {};
  for await (const event of readGzipMembers(path, gzipOptions)) {
    if (event.kind === "member") {
      yield event;
      continue;
    }
    if (event.kind === "damage") {
      yield event;
      return;
    }
    const text = decoder.decode(event.data, { stream: true });
    const lines: ParsedLine[] = [];
    let start = 0;
    let nl = text.indexOf("\n");
    while (nl >= 0) {
      lineNo++;
      if (longLength >= 0) {
        lines.push({ line: lineNo, error: longLineError(longLength + nl, max) });
        longLength = -1;
      } else {
        const line = rest.length === 0 ? text.slice(start, nl) : rest + text.slice(start, nl);
        rest = "";
        if (line.length > max) lines.push({ line: lineNo, error: longLineError(line.length, max) });
        else lines.push(parsed(lineNo, line));
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
    if (lines.length > 0) yield { kind: "lines", lines, memberStart: event.memberStart };
  }
  rest += decoder.decode();
  if (longLength >= 0) {
    yield {
      kind: "lines",
      lines: [{ line: lineNo + 1, error: longLineError(longLength, max) }],
      memberStart: -1,
    };
  } else if (rest.length > 0) {
    const line = parsed(lineNo + 1, rest);
    const last: ParsedLine = line.error === undefined
      ? { line: lineNo + 1, error: "Last line has no newline at the end" }
      : line;
    yield { kind: "lines", lines: [last], memberStart: -1 };
  }
}

function longLineError(length: number, max: number): string {
  return `Line is longer than ${max} characters (${length}); skipped`;
}

function parsed(line: number, text: string): ParsedLine {
  const result = parseRecordLine(text);
  return typeof result === "string" ? { line, error: result } : { line, record: result };
}
