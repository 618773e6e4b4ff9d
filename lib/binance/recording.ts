/**
 * Reader of third-party raw recordings (`../shared/data/binance/`): gzip text, one message a line,
 * `<receive time ns> <payload>`, the payload being a combined-stream frame or a REST depth body.
 * Used by the simulator's replay, tests and benchmarks.
 *
 * @module
 */
import { createGunzip } from "node:zlib";
import { Readable } from "node:stream";
import { LineStream } from "../util/line_stream.ts";
import { parseCombinedFrame, parseDepthSnapshot } from "./parse.ts";
import type { CombinedFrame, DepthSnapshot } from "./types.ts";

/** One message of a raw recording. */
export type RawMessage =
  | { kind: "frame"; recvNs: bigint; text: string; frame: CombinedFrame }
  | { kind: "snapshot"; recvNs: bigint; text: string; snapshot: DepthSnapshot };

/** Streams the messages of a raw recording file, in file order. */
export async function* readRawRecording(path: string): AsyncGenerator<RawMessage> {
  const file = await Deno.open(path);
  const gunzip = Readable.fromWeb(file.readable as never).pipe(createGunzip());
  // ReadableStream.from (not Readable.toWeb): a consumer that stops early then ends the stream
  // cleanly instead of leaving gunzip writing into a cancelled controller (an uncaught error).
  const lines = ReadableStream.from(gunzip as AsyncIterable<Uint8Array>)
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new LineStream());
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.length === 0) continue;
    const space = line.indexOf(" ");
    if (space < 0) throw new SyntaxError(`${path}:${lineNo}: expected "<ns> <payload>"`);
    const recvNs = BigInt(line.slice(0, space));
    const text = line.slice(space + 1);
    if (text.startsWith('{"lastUpdateId"')) {
      yield { kind: "snapshot", recvNs, text, snapshot: parseDepthSnapshot(text) };
    } else {
      yield { kind: "frame", recvNs, text, frame: parseCombinedFrame(text) };
    }
  }
}

/** Reads a whole raw recording into memory (they are small: a few MB). */
export async function loadRawRecording(path: string): Promise<RawMessage[]> {
  const out: RawMessage[] = [];
  for await (const message of readRawRecording(path)) out.push(message);
  return out;
}

/** Absolute path of a file under `../shared/data/binance/`, relative to this repository. */
export function sharedDataPath(relative: string): string {
  return new URL(`../../../shared/data/binance/${relative}`, import.meta.url).pathname;
}
