/**
 * One complete gzip member (RFC 1952) from a block of bytes, compressed with the built-in
 * `CompressionStream("gzip")`. Concatenated members form one valid gzip file, which is how the
 * recorder appends to its day files without ever rewriting what is already on disk.
 *
 * Each member's header carries an extra field (FEXTRA, RFC 1952 §2.3.1.1) with subfield `ML`
 * holding the member's total length, so that the end of a file can be checked from the end
 * without decompressing the whole file (see `tail_repair.ts`). Readers ignore the field.
 *
 * @module
 */

/** Bytes of the header with the member-length field: 10 + XLEN (2) + SI1 SI2 LEN (4) + 4. */
export const MEMBER_HEADER_LENGTH = 20;
/** Subfield id of the member length. */
const SI1 = 0x4d; // "M"
const SI2 = 0x4c; // "L"

/** Compresses `data` into one complete gzip member. */
export async function gzipMember(data: Uint8Array): Promise<Uint8Array> {
  const stream = new CompressionStream("gzip");
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const written = writer.write(data as Uint8Array<ArrayBuffer>).then(() => writer.close());
  const chunks: Uint8Array[] = [];
  let length = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
  }
  await written;
  // CompressionStream writes a plain 10-byte header; rewrite it with the length field.
  const out = new Uint8Array(length + MEMBER_HEADER_LENGTH - 10);
  let offset = MEMBER_HEADER_LENGTH - 10;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  const plain = out.slice(MEMBER_HEADER_LENGTH - 10, MEMBER_HEADER_LENGTH);
  if (plain[0] !== 0x1f || plain[1] !== 0x8b || plain[3] !== 0) {
    throw new Error("CompressionStream wrote an unexpected gzip header");
  }
  out.set(plain, 0);
  out[3] = 0x04; // FEXTRA
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint16(10, 8, true); // XLEN
  out[12] = SI1;
  out[13] = SI2;
  view.setUint16(14, 4, true); // LEN
  view.setUint32(16, out.length, true);
  return out;
}

/**
 * The total length recorded in a member header at `offset` of `bytes` (written by
 * {@linkcode gzipMember}), or `null` when no such header starts there.
 */
export function memberLengthAt(bytes: Uint8Array, offset: number): number | null {
  if (offset + MEMBER_HEADER_LENGTH > bytes.length) return null;
  const b = bytes;
  const o = offset;
  if (b[o] !== 0x1f || b[o + 1] !== 0x8b || b[o + 2] !== 8 || b[o + 3] !== 0x04) return null;
  if (b[o + 10] !== 8 || b[o + 11] !== 0 || b[o + 12] !== SI1 || b[o + 13] !== SI2) return null;
  if (b[o + 14] !== 4 || b[o + 15] !== 0) return null;
  const length = new DataView(b.buffer, b.byteOffset + o + 16, 4).getUint32(0, true);
  return length >= MEMBER_HEADER_LENGTH + 10 ? length : null;
}
