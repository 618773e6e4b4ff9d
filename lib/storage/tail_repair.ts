/**
 * Start-up check of a day file before appending to it: a torn last gzip member (a crash in the
 * middle of a write) is cut back to the end of the last complete member. Nothing complete is
 * ever rewritten.
 *
 * @module
 */
import { completeMembersLengthAsync } from "./gzip_scan.ts";

/** What {@linkcode repairTail} found. */
export interface TailRepair {
  /** The file existed with at least one byte. */
  existed: boolean;
  /** Size after the repair: the complete members. */
  size: number;
  /** Bytes cut from the end (0 when the file ended cleanly). */
  cut: number;
  /** `u` of the last `depthUpdate` kept, or `null` when there is none. */
  lastUpdateId: number | null;
}

const LAST_U = /"U":\d+,"u":(\d+)/g;

/** Finds the last `depthUpdate`'s `u` in decompressed text. */
function lastUpdateIdIn(text: string): number | null {
  let last: number | null = null;
  const start = text.lastIndexOf('{"type":"depthUpdate"');
  if (start < 0) return null;
  for (const match of text.slice(start).matchAll(LAST_U)) last = Number(match[1]);
  return last;
}

/** Checks the end of the gzip file at `path` and cuts an incomplete tail; a missing file is empty. */
export async function repairTail(path: string): Promise<TailRepair> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { existed: false, size: 0, cut: 0, lastUpdateId: null };
    }
    throw error;
  }
  let lastUpdateId: number | null = null;
  const decoder = new TextDecoder();
  const size = await completeMembersLengthAsync(bytes, (data) => {
    const id = lastUpdateIdIn(decoder.decode(data));
    if (id !== null) lastUpdateId = id;
  });
  const cut = bytes.length - size;
  if (cut > 0) await Deno.truncate(path, size);
  return { existed: bytes.length > 0, size, cut, lastUpdateId };
}
