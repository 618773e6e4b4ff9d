/**
 * A reader of concatenated gzip members (RFC 1952) that knows where it is in the file: it yields
 * each member's decompressed bytes with the member's compressed byte offsets, and stops at the first
 * damage (a member cut short, a bad CRC32 or ISIZE, corrupt deflate data, bytes that are not a gzip
 * header) with the offset of the damage. Everything before the damage has been yielded.
 *
 * Memory stays bounded whatever the file: one reused input window, one reused output buffer and one
 * `node:zlib` inflate handle driven synchronously (`_handle.writeSync`, the same call Node's own
 * `inflateRawSync` makes), so no buffer is allocated per member. A member whose output fits in
 * `holdLimit` is yielded once its trailer checks; a larger one (e.g. a file written by `gzip`
 * itself) is yielded piecewise, its trailer checked at the end.
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

/** The native handle behind a `node:zlib` stream (what Node's sync functions drive). */
interface InflateHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): void;
  reset(): void;
  onerror: (message: string) => void;
}

/** A raw-deflate inflater writing into caller-owned buffers, reset between members. */
class RawInflater {
  error: string | null = null;
  readonly #engine = zlib.createInflateRaw();
  readonly #handle: InflateHandle;
  readonly #state: Uint32Array;

  constructor() {
    const engine = this.#engine as unknown as {
      _handle?: InflateHandle;
      _writeState: Uint32Array;
    };
    if (
      typeof engine._handle?.writeSync !== "function" ||
      !(engine._writeState instanceof Uint32Array)
    ) {
      throw new Error("node:zlib lacks the inflate handle this reader drives");
    }
    this.#handle = engine._handle!;
    this.#state = engine._writeState;
    this.#handle.onerror = (message) => {
      this.error = message;
    };
  }

  reset(): void {
    this.error = null;
    this.#handle.reset();
  }

  /** Inflates `input` into `out[outAt..]`; returns bytes consumed and produced. */
  write(input: Uint8Array, out: Uint8Array, outAt: number): [consumed: number, produced: number] {
    const room = out.length - outAt;
    this.#handle.writeSync(zlib.constants.Z_NO_FLUSH, input, 0, input.length, out, outAt, room);
    return [input.length - this.#state[1]!, room - this.#state[0]!];
  }

  close(): void {
    this.#engine.destroy();
  }
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
  using file = await Deno.open(path);
  const w = new Window(file, options.readSize ?? 1024 * 1024, options.onRead);
  const inflater = new RawInflater();
  let out = Buffer.allocUnsafe(Math.min(holdLimit, 256 * 1024));
  try {
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
        yield damage(
          "truncated",
          start,
          `File ends inside the gzip member header at byte ${start}`,
        );
        return;
      }
      w.consume(hlen);
      inflater.reset();
      let crc = 0;
      let size = 0;
      let held = 0;
      for (;;) {
        if (w.buf.length === 0 && !await w.more()) {
          yield truncated;
          return;
        }
        if (held === out.length) {
          if (out.length < holdLimit) {
            const bigger = Buffer.allocUnsafe(Math.min(holdLimit, 2 * out.length));
            out.copy(bigger, 0, 0, held);
            out = bigger;
          } else {
            crc = zlib.crc32(out.subarray(0, held), crc);
            size += held;
            yield { kind: "data", data: out.subarray(0, held), memberStart: start };
            held = 0;
          }
        }
        const [consumed, produced] = inflater.write(w.buf, out, held);
        held += produced;
        w.consume(consumed);
        if (inflater.error !== null) {
          yield damage(
            "corrupt",
            start,
            `Gzip member at byte ${start} has corrupt data (${inflater.error})`,
          );
          return;
        }
        // Room left in `out` with input left over: the deflate stream has ended.
        if (held < out.length && w.buf.length > 0) break;
      }
      crc = zlib.crc32(out.subarray(0, held), crc);
      size += held;
      while (w.buf.length < 8 && await w.more());
      if (w.buf.length < 8) {
        yield truncated;
        return;
      }
      const bad = checkTrailer(w.buf.subarray(0, 8), crc, size, start);
      if (bad) {
        yield bad;
        return;
      }
      w.consume(8);
      if (held > 0) yield { kind: "data", data: out.subarray(0, held), memberStart: start };
      yield { kind: "member", index, start, end: w.offset };
    }
  } finally {
    inflater.close();
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
