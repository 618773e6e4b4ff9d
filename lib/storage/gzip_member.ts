/**
 * One complete gzip member (RFC 1952) from a block of bytes, compressed with the built-in
 * `CompressionStream("gzip")`. Concatenated members form one valid gzip file, which is how the
 * recorder appends to its day files without ever rewriting what is already on disk.
 *
 * @module
 */

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
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
