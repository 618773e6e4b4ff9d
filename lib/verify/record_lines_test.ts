import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import zlib from "node:zlib";
import { parseLine, readRecordLines } from "./record_lines.ts";

async function lines(text: string, maxLineLength: number, members = 3) {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/x.jsonl.gz`;
    const cut = Math.floor(text.length / members);
    const parts = Array.from(
      { length: members },
      (_, i) => zlib.gzipSync(text.slice(i * cut, i === members - 1 ? undefined : (i + 1) * cut)),
    );
    await Deno.writeFile(path, new Uint8Array(Buffer.concat(parts)));
    const out: string[] = [];
    for await (const batch of readRecordLines(path, { maxLineLength })) {
      if (batch.kind !== "lines") continue;
      for (let i = 0; i < batch.lines.length; i++) {
        const p = parseLine(batch, i, maxLineLength);
        out.push(`${p.line}:${p.error ?? p.record.type}`);
      }
    }
    return out;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("readRecordLines() numbers lines across members, skips over-long ones, flags the last", async () => {
  const gap = '{"type":"gap","recv":1,"lastUpdateId":null,"reason":"start"}';
  const long = `{"type":"clock","pad":"${"x".repeat(5000)}"}`;
  const text = [gap, long, "not json", '{"type":"later","x":1}', gap].join("\n");
  assert.deepEqual(await lines(`${text}\n`, 1000), [
    "1:gap",
    `2:Line is longer than 1000 characters (${long.length}); skipped`,
    '3:Line is not JSON: "not json"',
    "4:unknown",
    "5:gap",
  ]);
  const unterminated = await lines(text, 1000, 2);
  assert.equal(unterminated.at(-1), "5:Last line has no newline at the end");
});
