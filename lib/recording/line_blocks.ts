/**
 * A recording file as blocks of whole lines, still bytes: gzip members → runs of complete lines
 * (each ending with `\n`), with bounded memory. A line cut by a member or read boundary is put
 * together first; a line longer than the cap is measured, not kept. Each complete gzip member is
 * announced; gzip damage ends the stream with a `damage` item, after every line before it (a line
 * cut by the damage is dropped).
 *
 * Line numbers are the consumer's to count: blocks come in file order and every line of a block
 * ends with `\n`.
 *
 * @module
 */
import { type GzipEvent, readGzipMembers } from "./gzip_reader.ts";

/** One step of {@linkcode readLineBlocks}. */
export type LineBlock =
  | {
    /** One or more whole lines, each ending with `\n`: a view valid until the next step. */
    kind: "lines";
    bytes: Uint8Array;
    /** Start of the member in which the block's last line ends. */
    memberStart: number;
  }
  | {
    /** A line longer than the cap, skipped: its length in bytes, without its `\n`. */
    kind: "long";
    length: number;
    memberStart: number;
    /** The line ends the file without a newline. */
    unterminated: boolean;
  }
  | {
    /** The file's last line, which has no `\n` at its end (a view, without one). */
    kind: "last";
    bytes: Uint8Array;
  }
  | Extract<GzipEvent, { kind: "damage" | "member" }>;

/** Options of {@linkcode readLineBlocks}. */
export interface LineBlocksOptions {
  /** Longest line accepted, in bytes. Default {@linkcode MAX_LINE_LENGTH}. */
  maxLineLength?: number;
  /** Called with every block of raw file bytes, in order (for hashing, progress). */
  onRead?: (bytes: Uint8Array) => void;
}

/** Default longest line: 64 MiB. */
export const MAX_LINE_LENGTH = 64 * 1024 * 1024;

/**
 * Text of line number `line` from its bytes. A byte-order mark inside a line is part of it; the
 * file's leading one (line 1) is dropped, as a decoder of the whole file would.
 */
export function lineText(bytes: Uint8Array, line: number): string {
  const bom = line === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return decoder.decode(bom ? bytes.subarray(3) : bytes);
}

const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** The bytes of a line cut by a block boundary, put together. */
class Carry {
  #bytes = new Uint8Array(4096);
  length = 0;

  append(piece: Uint8Array): void {
    const need = this.length + piece.length;
    if (need > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(need, 2 * this.#bytes.length));
      grown.set(this.#bytes.subarray(0, this.length));
      this.#bytes = grown;
    }
    this.#bytes.set(piece, this.length);
    this.length = need;
  }

  /** The bytes so far, emptied (a view valid until the next append). */
  take(): Uint8Array {
    const bytes = this.#bytes.subarray(0, this.length);
    this.length = 0;
    return bytes;
  }
}

/** Streams the file at `path` as blocks of whole lines, member ends, then at most one damage. */
export async function* readLineBlocks(
  path: string,
  options: LineBlocksOptions = {},
): AsyncGenerator<LineBlock> {
  const max = options.maxLineLength ?? MAX_LINE_LENGTH;
  const carry = new Carry();
  let long = -1; // >= 0: length so far of an over-long line being skipped
  const gzipOptions = options.onRead ? { onRead: options.onRead } : {};
  for await (const event of readGzipMembers(path, gzipOptions)) {
    if (event.kind !== "data") {
      yield event;
      if (event.kind === "damage") return;
      continue;
    }
    const data = event.data;
    const memberStart = event.memberStart;
    let start = 0;
    if (long >= 0 || carry.length > 0) {
      const nl = data.indexOf(10);
      const end = nl < 0 ? data.length : nl;
      if (long < 0 && carry.length + end > max) long = carry.take().length;
      if (long >= 0) long += end;
      else carry.append(data.subarray(0, nl < 0 ? end : nl + 1));
      if (nl < 0) continue;
      if (long >= 0) {
        yield { kind: "long", length: long, memberStart, unterminated: false };
        long = -1;
      } else {
        yield { kind: "lines", bytes: carry.take(), memberStart };
      }
      start = nl + 1;
    }
    const last = data.lastIndexOf(10);
    if (last >= start) {
      yield { kind: "lines", bytes: data.subarray(start, last + 1), memberStart };
      start = last + 1;
    }
    const rest = data.length - start;
    if (rest > max) long = rest;
    else if (rest > 0) carry.append(data.subarray(start));
  }
  if (long >= 0) yield { kind: "long", length: long, memberStart: -1, unterminated: true };
  else if (carry.length > 0) yield { kind: "last", bytes: carry.take() };
}
