/**
 * Finds how much of a gzip file is made of complete, intact members: the prefix that standard
 * readers (`gzip -t`, Python's `gzip`) accept. Used to cut back the torn tail a crash leaves.
 *
 * Each member's header is parsed, its deflate stream inflated (`node:zlib`, which reports where the
 * stream ends) and its 8-byte trailer checked (CRC-32 and length of the uncompressed data).
 *
 * @module
 */
import { crc32, inflateRawSync } from "node:zlib";

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;

/** Where a member ends and what it holds, as found by {@linkcode scanGzipMember}. */
export interface GzipMemberInfo {
  /** Offset just after the member's trailer. */
  end: number;
  /** The member's uncompressed bytes. */
  data: Uint8Array;
}

/** Length of the gzip header at `offset`, or `null` when the bytes there are not a whole header. */
function headerLength(bytes: Uint8Array, offset: number): number | null {
  if (offset + 10 > bytes.length) return null;
  if (bytes[offset] !== 0x1f || bytes[offset + 1] !== 0x8b || bytes[offset + 2] !== 8) return null;
  const flags = bytes[offset + 3]!;
  if ((flags & 0xe0) !== 0) return null;
  let p = offset + 10;
  if (flags & FEXTRA) {
    if (p + 2 > bytes.length) return null;
    p += 2 + (bytes[p]! | (bytes[p + 1]! << 8));
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (flags & flag) {
      while (p < bytes.length && bytes[p] !== 0) p++;
      p++;
    }
  }
  if (flags & FHCRC) p += 2;
  return p <= bytes.length ? p - offset : null;
}

/** Reads one complete member at `offset`, or returns `null` if it is incomplete or damaged. */
export function scanGzipMember(bytes: Uint8Array, offset: number): GzipMemberInfo | null {
  const header = headerLength(bytes, offset);
  if (header === null) return null;
  const start = offset + header;
  let result: { buffer: Uint8Array; engine: { bytesWritten: number } };
  try {
    result = inflateRawSync(bytes.subarray(start), { info: true }) as unknown as typeof result;
  } catch {
    return null;
  }
  const trailer = start + result.engine.bytesWritten;
  if (trailer + 8 > bytes.length) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset + trailer, 8);
  const data = result.buffer;
  if (view.getUint32(0, true) !== crc32(data) >>> 0) return null;
  if (view.getUint32(4, true) !== (data.length >>> 0)) return null;
  return { end: trailer + 8, data };
}

/** Byte length of the prefix of `bytes` made of complete, intact gzip members. */
export function completeMembersLength(bytes: Uint8Array): number {
  let offset = 0;
  while (offset < bytes.length) {
    const member = scanGzipMember(bytes, offset);
    if (member === null) break;
    offset = member.end;
  }
  return offset;
}

/**
 * Like {@linkcode completeMembersLength}, but gives the event loop a turn every few milliseconds
 * so that scanning a large file does not stall a running collector.
 */
export async function completeMembersLengthAsync(
  bytes: Uint8Array,
  onMember?: (data: Uint8Array) => void,
): Promise<number> {
  let offset = 0;
  let slice = performance.now();
  while (offset < bytes.length) {
    const member = scanGzipMember(bytes, offset);
    if (member === null) break;
    onMember?.(member.data);
    offset = member.end;
    if (performance.now() - slice > 5) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      slice = performance.now();
    }
  }
  return offset;
}
