/**
 * A reader of concatenated gzip members (RFC 1952) that knows where it is in the file: it yields
 * each member's decompressed bytes with the member's compressed byte offsets, and stops at the first
 * damage (a member cut short, a bad CRC32 or ISIZE, corrupt deflate data, bytes that are not a gzip
 * header) with the offset of the damage. Everything before the damage has been yielded.
 *
 * Memory stays bounded whatever the file: members up to `syncLimit` compressed bytes are inflated in
 * one call and yielded once their trailer checks; larger ones (e.g. a file written by `gzip` itself)
 * are streamed through `node:zlib` and yielded piecewise, their trailer checked at the end.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import zlib from "node:zlib";

/** What is wrong at a damaged offset. */
export type GzipProblem = "truncated" | "crc" | "size" | "corrupt" | "garbage";

/** One step of {@linkcode readGzipMembers}. */
export type GzipEvent =
  | {
    /** Decompressed bytes of the member starting at `memberStart`. */
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
  /** Members longer than this (compressed) are streamed instead of inflated at once. Default 1 MiB. */
  syncLimit?: number;
  /** Called with every block of raw file bytes, in order (for hashing, progress). */
  onRead?: (bytes: Uint8Array) => void;
}

const MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);
const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;
const MAX_HEADER = 64 * 1024;

/** Byte window over a file: `buf` holds the unconsumed bytes starting at file offset `offset`. */
class Window {
  buf: Buffer = Buffer.alloc(0);
  offset = 0;
  eof = false;
  #file: Deno.FsFile;
  #readSize: number;
  #onRead: ((bytes: Uint8Array) => void) | undefined;

  constructor(file: Deno.FsFile, readSize: number, onRead?: (bytes: Uint8Array) => void) {
    this.#file = file;
    this.#readSize = readSize;
    this.#onRead = onRead;
  }

  /** Reads one more block; false at end of file. */
  async more(): Promise<boolean> {
    if (this.eof) return false;
    const block = new Uint8Array(this.#readSize);
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
    const got = block.subarray(0, filled);
    this.#onRead?.(got);
    this.buf = this.buf.length === 0
      ? Buffer.from(got.buffer, got.byteOffset, got.byteLength)
      : Buffer.concat([this.buf, got]);
    return true;
  }

  /** Drops `n` consumed bytes from the front. */
  consume(n: number): void {
    this.buf = this.buf.subarray(n);
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

function isCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
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

/**
 * Streams the members of the gzip file at `path`: `data` events with decompressed bytes, a `member`
 * event after each complete, checked member, and at most one final `damage` event.
 */
export async function* readGzipMembers(
  path: string,
  options: GzipMembersOptions = {},
): AsyncGenerator<GzipEvent> {
  const syncLimit = options.syncLimit ?? 1024 * 1024;
  using file = await Deno.open(path);
  const w = new Window(file, options.readSize ?? 1024 * 1024, options.onRead);
  let index = 0;
  for (;;) {
    // Header.
    let hlen = headerLength(w.buf);
    while (hlen === 0 && await w.more()) hlen = headerLength(w.buf);
    if (w.buf.length === 0) return;
    const start = w.offset;
    if (hlen < 0) {
      yield damage("garbage", start, `Bytes at ${start} are not a gzip member header`);
      return;
    }
    if (hlen === 0) {
      yield damage("truncated", start, `File ends inside the gzip member header at byte ${start}`);
      return;
    }
    // Body, inflated at once while the member fits under syncLimit.
    let out: Buffer | undefined;
    let used = 0;
    for (;;) {
      const body = w.buf.subarray(hlen);
      // Try once the next member's magic (or the end of the file) is in view.
      if (w.eof || body.indexOf(MAGIC) >= 0 || body.length > syncLimit) {
        try {
          const r = zlib.inflateRawSync(
            body,
            { info: true } as zlib.ZlibOptions & { info: boolean },
          ) as unknown as {
            buffer: Buffer;
            engine: { bytesWritten: number };
          };
          out = r.buffer;
          used = r.engine.bytesWritten;
          break;
        } catch (error) {
          if (!isCode(error, "Z_BUF_ERROR")) {
            yield damage("corrupt", start, `Gzip member at byte ${start} has corrupt data`);
            return;
          }
          if (w.eof) {
            yield damage("truncated", start, `File ends inside the gzip member at byte ${start}`);
            return;
          }
          if (body.length > syncLimit) break;
        }
      }
      if (!await w.more()) continue;
    }
    if (out === undefined) {
      // A large member: stream it.
      if (!(yield* streamMember(w, hlen, start, index))) return;
      index++;
      continue;
    }
    const trailerAt = hlen + used;
    while (w.buf.length < trailerAt + 8 && await w.more());
    if (w.buf.length < trailerAt + 8) {
      yield damage("truncated", start, `File ends inside the gzip member at byte ${start}`);
      return;
    }
    const bad = checkTrailer(
      w.buf.subarray(trailerAt, trailerAt + 8),
      zlib.crc32(out),
      out.length,
      start,
    );
    if (bad) {
      yield bad;
      return;
    }
    if (out.length > 0) yield { kind: "data", data: out, memberStart: start };
    w.consume(trailerAt + 8);
    yield { kind: "member", index: index++, start, end: w.offset };
  }
}

/** Streams one large member whose header (`hlen` bytes) starts the window; false on damage. */
async function* streamMember(
  w: Window,
  hlen: number,
  start: number,
  index: number,
): AsyncGenerator<GzipEvent, boolean> {
  const engine = zlib.createInflateRaw({ chunkSize: 256 * 1024 });
  const queue: Buffer[] = [];
  let failed = false;
  let ended = false;
  const endPromise = new Promise<void>((resolve) => {
    engine.on("end", () => {
      ended = true;
      resolve();
    });
    engine.on("error", () => {
      failed = true;
      resolve();
    });
  });
  engine.on("data", (d: Buffer) => queue.push(d));
  let crc = 0;
  let size = 0;
  const flush = function* (): Generator<GzipEvent> {
    for (const d of queue) {
      crc = zlib.crc32(d, crc);
      size += d.length;
      yield { kind: "data", data: d, memberStart: start };
    }
    queue.length = 0;
  };
  try {
    w.consume(hlen);
    for (;;) {
      if (w.buf.length === 0 && !await w.more()) {
        yield damage("truncated", start, `File ends inside the gzip member at byte ${start}`);
        return false;
      }
      const chunk = w.buf;
      const before = engine.bytesWritten;
      await new Promise<void>((resolve) => engine.write(chunk, () => resolve()));
      const used = engine.bytesWritten - before;
      if (used < chunk.length || failed) {
        if (!failed) await endPromise;
        yield* flush();
        if (failed || !ended) {
          yield damage("corrupt", start, `Gzip member at byte ${start} has corrupt data`);
          return false;
        }
        w.consume(used);
        break;
      }
      w.consume(used);
      yield* flush();
    }
    while (w.buf.length < 8 && await w.more());
    if (w.buf.length < 8) {
      yield damage("truncated", start, `File ends inside the gzip member at byte ${start}`);
      return false;
    }
    const bad = checkTrailer(w.buf.subarray(0, 8), crc, size, start);
    if (bad) {
      yield bad;
      return false;
    }
    w.consume(8);
    yield { kind: "member", index, start, end: w.offset };
    return true;
  } finally {
    engine.destroy();
  }
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
