/**
 * Start-up check of a day file before appending to it: a torn last gzip member (a crash in the
 * middle of a write) is cut back to the end of the last complete member. Nothing complete is
 * ever rewritten.
 *
 * @module
 */
import { readGzipMembers } from "../util/gzip_members.ts";

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

const UPDATE_IDS = /"U":\d+,"u":(\d+)/g;

/** The last `depthUpdate`'s `u` in decompressed text, or `null`. */
function lastUpdateIdIn(text: string): number | null {
  const start = text.lastIndexOf('{"type":"depthUpdate"');
  if (start < 0) return null;
  let last: number | null = null;
  for (const match of text.slice(start).matchAll(UPDATE_IDS)) last = Number(match[1]);
  return last;
}

/** Checks the end of the gzip file at `path` and cuts an incomplete tail; a missing file is empty. */
export async function repairTail(path: string): Promise<TailRepair> {
  let fileBytes: number;
  try {
    fileBytes = (await Deno.stat(path)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { existed: false, size: 0, cut: 0, lastUpdateId: null };
    }
    throw error;
  }
  let size = 0;
  let lastUpdateId: number | null = null;
  let memberLast: number | null = null;
  const decoder = new TextDecoder();
  for await (const event of readGzipMembers(path)) {
    if (event.kind === "data") {
      memberLast = lastUpdateIdIn(decoder.decode(event.data)) ?? memberLast;
    } else if (event.kind === "member") {
      size = event.end;
      lastUpdateId = memberLast ?? lastUpdateId;
      memberLast = null;
    }
  }
  const cut = fileBytes - size;
  if (cut > 0) await Deno.truncate(path, size);
  return { existed: fileBytes > 0, size, cut, lastUpdateId };
}
