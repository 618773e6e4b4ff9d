/**
 * The reader of concatenated gzip members (RFC 1952) that knows where it is in the file: it yields
 * each member's decompressed bytes with the member's compressed byte offsets, and stops at the first
 * damage (a member cut short, a bad CRC32 or ISIZE, corrupt deflate data, bytes that are not a gzip
 * header) with the offset of the damage. Everything before the damage has been yielded.
 *
 * Only public `node:zlib` APIs: the gzip header and trailer are parsed here, the deflate data
 * between them is inflated by `inflateRawSync(…, { info: true })`, whose `engine.bytesWritten`
 * says where the deflate stream ended, hence where the trailer and the next member start. A member
 * written by {@linkcode gzipMember} carries its own length, so it is inflated once, from exactly
 * its bytes. Any other member is inflated from the bytes read so far (`Z_SYNC_FLUSH`: a stream cut
 * by the end of the window is not an error), and again with more bytes if it did not end there.
 * A member too large for that (over `holdLimit` of output, e.g. a file written by `gzip` itself)
 * goes through a streaming `createInflateRaw()` and is yielded piecewise, its trailer checked at
 * the end; memory stays bounded whatever the file.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import zlib from "node:zlib";
import { memberLengthAt } from "./gzip_member.ts";

/** What is wrong at a damaged offset. */
export type GzipProblem = "truncated" | "crc" | "size" | "corrupt" | "garbage";

/** One step of {@linkcode readGzipMembers}. */
export type GzipEvent =
  | {
    /** Decompressed bytes of the member at `memberStart`; a view valid until the next step. */
    kind: "data";
    data: Uint8Array;
    memberStart: number;
  }
  | {
    /** A member ended and its trailer checked: it spans `[start, end)` of the file. */
    kind: "member";
    index: number;
    start: number;
    end: number;
  }
  | {
    /** The file is damaged at `offset`; nothing more follows. */
    kind: "damage";
    problem: GzipProblem;
    offset: number;
    message: string;
  };

/** Options of {@linkcode readGzipMembers}. */
export interface GzipMembersOptions {
  /** Bytes read from the file at a time. Default 1 MiB. */
  readSize?: number;
  /** Members inflating to more than this are yielded before their trailer is checked. 4 MiB. */
  holdLimit?: number;
  /** Called with every block of raw file bytes, in order (for hashing, progress). */
  onRead?: (bytes: Uint8Array) => void;
}

const MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);
const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;
const MAX_HEADER = 64 * 1024;
const SYNC = { info: true, finishFlush: zlib.constants.Z_SYNC_FLUSH } as const;

/** Byte window over a file: `buf` holds the unconsumed bytes starting at file offset `offset`. */
class Window {
  /** The unconsumed bytes: a view of `#store` (valid until the next `more()`). */
  buf: Buffer = Buffer.alloc(0);
  offset = 0;
  eof = false;
  #store: Buffer;
  #start = 0;
  #end = 0;
  #file: Deno.FsFile;
  #readSize: number;
  #onRead: ((bytes: Uint8Array) => void) | undefined;

  constructor(file: Deno.FsFile, readSize: number, onRead?: (bytes: Uint8Array) => void) {
    this.#file = file;
    this.#readSize = readSize;
    this.#onRead = onRead;
    this.#store = Buffer.allocUnsafe(2 * readSize);
  }

  /** Reads one more block into the reused store; false at end of file. */
  async more(): Promise<boolean> {
    if (this.eof) return false;
    const kept = this.#end - this.#start;
    if (this.#store.length - this.#end < this.#readSize) {
      if (kept + this.#readSize > this.#store.length) {
        const bigger = Buffer.allocUnsafe(Math.max(2 * this.#store.length, kept + this.#readSize));
        this.#store.copy(bigger, 0, this.#start, this.#end);
        this.#store = bigger;
      } else this.#store.copyWithin(0, this.#start, this.#end);
      this.#start = 0;
      this.#end = kept;
    }
    const block = this.#store.subarray(this.#end, this.#end + this.#readSize);
    let filled = 0;
    while (filled < block.length) {
      const n = await this.#file.read(block.subarray(filled));
      if (n === null) {
        this.eof = true;
        break;
      }
      filled += n;
    }
    if (filled === 0) return false;
    this.#onRead?.(block.subarray(0, filled));
    this.#end += filled;
    this.buf = this.#store.subarray(this.#start, this.#end);
    return true;
  }

  /** Reads until at least `n` bytes are held; false when the file ends first. */
  async hold(n: number): Promise<boolean> {
    while (this.buf.length < n) if (!await this.more()) return false;
    return true;
  }

  /** Drops `n` consumed bytes from the front. */
  consume(n: number): void {
    this.#start += n;
    this.buf = this.#store.subarray(this.#start, this.#end);
    this.offset += n;
  }
}

/** Length of the gzip header at the start of `b`, `0` if more bytes are needed, `-1` if not one. */
function headerLength(b: Buffer): number {
  if (b.length < 3) return b.subarray(0, b.length).equals(MAGIC.subarray(0, b.length)) ? 0 : -1;
  if (b[0] !== 0x1f || b[1] !== 0x8b || b[2] !== 0x08) return -1;
  if (b.length < 10) return 0;
  const flags = b[3]!;
  if (flags & 0xe0) return -1;
  let at = 10;
  if (flags & FEXTRA) {
    if (b.length < at + 2) return 0;
    at += 2 + b.readUInt16LE(at);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (flags & flag) {
      const zero = b.indexOf(0, at);
      if (zero < 0) return b.length > MAX_HEADER ? -1 : 0;
      at = zero + 1;
    }
  }
  if (flags & FHCRC) at += 2;
  return b.length < at ? 0 : at;
}

function damage(problem: GzipProblem, offset: number, message: string): GzipEvent {
  return { kind: "damage", problem, offset, message };
}

function checkTrailer(
  trailer: Buffer,
  crc: number,
  size: number,
  start: number,
): GzipEvent | undefined {
  const want = trailer.readUInt32LE(0);
  if (want !== crc) {
    return damage(
      "crc",
      start,
      `Gzip member at byte ${start} fails its CRC32 check (stored ${want}, computed ${crc})`,
    );
  }
  const isize = trailer.readUInt32LE(4);
  if (isize !== size % 2 ** 32) {
    return damage(
      "size",
      start,
      `Gzip member at byte ${start} has the wrong length (stored ${isize}, got ${size % 2 ** 32})`,
    );
  }
  return undefined;
}

/** What one `inflateRawSync` over the bytes at hand gave. */
type Inflated =
  /** The deflate stream ended after `consumed` input bytes. */
  | { kind: "ended"; data: Buffer; consumed: number }
  /** All input was taken and the stream goes on (or ends exactly there). */
  | { kind: "open" }
  /** The output would be larger than the limit. */
  | { kind: "large" }
  | { kind: "corrupt"; why: string };

/**
 * Inflates raw deflate `input` in one call, to at most `limit` bytes; `guess` is the expected
 * output size (the first buffer's).
 */
function inflateOnce(input: Buffer, guess: number, limit: number): Inflated {
  let result: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    const chunkSize = Math.max(64, Math.min(guess, limit));
    const options = { ...SYNC, chunkSize, maxOutputLength: limit };
    result = zlib.inflateRawSync(input, options as never) as unknown as typeof result;
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") return { kind: "large" };
    return { kind: "corrupt", why: (error as Error).message };
  }
  const consumed = result.engine.bytesWritten;
  if (consumed < input.length) return { kind: "ended", data: result.buffer, consumed };
  return { kind: "open" };
}

/** The member of a known total `length` at the start of `b`, if it checks out; else `null`. */
function knownMember(b: Buffer, hlen: number, length: number, limit: number): Buffer | null {
  const isize = b.readUInt32LE(length - 4);
  const inflated = inflateOnce(b.subarray(hlen, length), isize + 1, limit);
  if (inflated.kind !== "ended" || hlen + inflated.consumed !== length - 8) return null;
  const data = inflated.data;
  const bad = checkTrailer(b.subarray(length - 8, length), zlib.crc32(data), data.length, 0);
  return bad === undefined ? data : null;
}

/**
 * Streams the members of the gzip file at `path`: `data` events with decompressed bytes, a `member`
 * event after each complete, checked member, and at most one final `damage` event.
 */
export async function* readGzipMembers(
  path: string,
  options: GzipMembersOptions = {},
): AsyncGenerator<GzipEvent> {
  const holdLimit = options.holdLimit ?? 4 * 1024 * 1024;
  const readSize = options.readSize ?? 1024 * 1024;
  using file = await Deno.open(path);
  const w = new Window(file, readSize, options.onRead);
  /** Compressed and decompressed size of the last member: how much to read before inflating. */
  let last = { bytes: 0, out: 16 * 1024 };
  for (let index = 0;; index++) {
    let hlen = headerLength(w.buf);
    while (hlen === 0 && await w.more()) hlen = headerLength(w.buf);
    if (w.buf.length === 0) return;
    const start = w.offset;
    if (hlen < 0) {
      yield damage("garbage", start, `Bytes at ${start} are not a gzip member header`);
      return;
    }
    const truncated = damage(
      "truncated",
      start,
      `File ends inside the gzip member at byte ${start}`,
    );
    if (hlen === 0) {
      yield damage("truncated", start, `File ends inside the gzip member header at byte ${start}`);
      return;
    }
    // A member that says how long it is: inflated once, from exactly its bytes.
    const length = memberLengthAt(w.buf, 0);
    if (length !== null && length > hlen + 8 && length <= holdLimit && await w.hold(length)) {
      const data = knownMember(w.buf, hlen, length, holdLimit);
      if (data !== null) {
        w.consume(length);
        last = { bytes: length, out: data.length };
        if (data.length > 0) yield { kind: "data", data, memberStart: start };
        yield { kind: "member", index, start, end: w.offset };
        continue;
      }
    }
    // Any other member: inflate what is at hand, with more bytes until its deflate data ends.
    await w.hold(Math.min(2 * last.bytes, holdLimit));
    let inflated: Inflated;
    for (;;) {
      inflated = inflateOnce(w.buf.subarray(hlen), 2 * last.out, holdLimit);
      if (inflated.kind !== "open" || w.buf.length > holdLimit) break;
      if (!await w.more()) {
        yield truncated;
        return;
      }
    }
    if (inflated.kind === "corrupt") {
      yield damage(
        "corrupt",
        start,
        `Gzip member at byte ${start} has corrupt data (${inflated.why})`,
      );
      return;
    }
    if (inflated.kind === "open" || inflated.kind === "large") {
      // Too large to hold: streamed, its pieces yielded as they come.
      w.consume(hlen);
      const streamed = yield* streamMember(w, start);
      if (streamed !== undefined) {
        yield streamed;
        return;
      }
      last = { bytes: w.offset - start, out: holdLimit };
      yield { kind: "member", index, start, end: w.offset };
      continue;
    }
    const data = inflated.data;
    const trailerAt = hlen + inflated.consumed;
    if (!await w.hold(trailerAt + 8)) {
      yield truncated;
      return;
    }
    const bad = checkTrailer(
      w.buf.subarray(trailerAt, trailerAt + 8),
      zlib.crc32(data),
      data.length,
      start,
    );
    if (bad) {
      yield bad;
      return;
    }
    w.consume(trailerAt + 8);
    last = { bytes: trailerAt + 8, out: data.length };
    if (data.length > 0) yield { kind: "data", data, memberStart: start };
    yield { kind: "member", index, start, end: w.offset };
  }
}

/**
 * Inflates the member whose deflate data starts at `w.buf` through a `createInflateRaw()` stream,
 * yielding its output as it comes; consumes the member up to its end and checks the trailer.
 * Returns the damage, or `undefined` when the member is whole.
 */
async function* streamMember(
  w: Window,
  start: number,
): AsyncGenerator<GzipEvent, GzipEvent | undefined> {
  const inflater = zlib.createInflateRaw();
  const pieces: Buffer[] = [];
  let ended = false;
  let error: Error | null = null;
  inflater.on("data", (piece: Buffer) => pieces.push(piece));
  inflater.on("end", () => ended = true);
  inflater.on("error", (e: Error) => error = e);
  let crc = 0;
  let size = 0;
  try {
    for (;;) {
      if (w.buf.length === 0 && !await w.more()) {
        return damage("truncated", start, `File ends inside the gzip member at byte ${start}`);
      }
      const chunk = w.buf;
      const before = inflater.bytesWritten;
      await new Promise<void>((resolve) => inflater.write(chunk, () => resolve()));
      let taken = inflater.bytesWritten - before;
      if (!ended && error === null && taken === chunk.length) {
        await new Promise((resolve) => setTimeout(resolve, 0)); // lets a pending "end" arrive
        taken = inflater.bytesWritten - before;
      }
      if (error !== null) {
        const why = (error as Error).message;
        return damage("corrupt", start, `Gzip member at byte ${start} has corrupt data (${why})`);
      }
      for (const piece of pieces.splice(0)) {
        crc = zlib.crc32(piece, crc);
        size += piece.length;
        yield { kind: "data", data: piece, memberStart: start };
      }
      w.consume(taken);
      if (ended || taken < chunk.length) break;
    }
  } finally {
    inflater.destroy();
  }
  if (!await w.hold(8)) {
    return damage("truncated", start, `File ends inside the gzip member at byte ${start}`);
  }
  const bad = checkTrailer(w.buf.subarray(0, 8), crc, size, start);
  if (bad) return bad;
  w.consume(8);
  return undefined;
}

/**
 * The decompressed data of the one member that spans exactly `[start, end)` of `bytes`, or `null`
 * unless it is complete and intact (header, deflate data ending right before the trailer, CRC32
 * and ISIZE). For checking a member found by its length field without reading the whole file.
 */
export function memberData(bytes: Uint8Array, start: number, end: number): Uint8Array | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
  const hlen = headerLength(b);
  if (hlen <= 0 || b.length < hlen + 8) return null;
  return knownMember(b, hlen, b.length, 2 ** 31);
}

/**
 * Length of the prefix of complete, CRC-valid members of the file at `path`, the file's size and
 * the number of those members. A torn tail is `fileBytes - validBytes` bytes long.
 */
export async function validPrefixLength(
  path: string,
): Promise<{ validBytes: number; fileBytes: number; members: number }> {
  let validBytes = 0;
  let members = 0;
  for await (const event of readGzipMembers(path)) {
    if (event.kind === "member") {
      validBytes = event.end;
      members++;
    }
  }
  const fileBytes = (await Deno.stat(path)).size;
  return { validBytes, fileBytes, members };
}
