/**
 * Writes a whole buffer to a file (`FsFile.write` may write less than asked).
 *
 * @module
 */

/** Writes every byte of `data` to `file`. */
export async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    offset += await file.write(data.subarray(offset));
  }
}
