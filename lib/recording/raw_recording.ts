/**
 * Reader of third-party raw recordings (`../shared/data/binance/`): gzip text, one message a line,
 * `<receive time ns> <payload>`, the payload being a combined-stream frame or a REST depth body.
 * Used by the simulator's replay, tests and benchmarks.
 *
 * @module
 */
import { parseCombinedFrame, parseDepthSnapshot } from "../binance/parse.ts";
import type { CombinedFrame, DepthSnapshot } from "../binance/types.ts";
import { readGzipMembers } from "./gzip_reader.ts";

/** One message of a raw recording. */
export type RawMessage =
  | { kind: "frame"; recvNs: bigint; text: string; frame: CombinedFrame }
  | { kind: "snapshot"; recvNs: bigint; text: string; snapshot: DepthSnapshot };

/** Streams the messages of a raw recording file, in file order. */
export async function* readRawRecording(path: string): AsyncGenerator<RawMessage> {
  const decoder = new TextDecoder();
  let rest = "";
  let lineNo = 0;
  const message = (line: string): RawMessage | null => {
    lineNo++;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.length === 0) return null;
    const space = line.indexOf(" ");
    if (space < 0) throw new SyntaxError(`${path}:${lineNo}: expected "<ns> <payload>"`);
    const recvNs = BigInt(line.slice(0, space));
    const text = line.slice(space + 1);
    return text.startsWith('{"lastUpdateId"')
      ? { kind: "snapshot", recvNs, text, snapshot: parseDepthSnapshot(text) }
      : { kind: "frame", recvNs, text, frame: parseCombinedFrame(text) };
  };
  for await (const event of readGzipMembers(path)) {
    if (event.kind === "damage") throw new SyntaxError(`${path}: ${event.message}`);
    if (event.kind !== "data") continue;
    const lines = (rest + decoder.decode(event.data, { stream: true })).split("\n");
    rest = lines.pop()!;
    for (const line of lines) {
      const m = message(line);
      if (m !== null) yield m;
    }
  }
  const m = message(rest + decoder.decode());
  if (m !== null) yield m;
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
