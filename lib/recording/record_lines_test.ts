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
    `2:Line is longer than 1000 bytes (${long.length}); skipped`,
    '3:Line is not JSON: "not json"',
    "4:unknown",
    "5:gap",
  ]);
  const unterminated = await lines(text, 1000, 2);
  assert.equal(unterminated.at(-1), "5:Last line has no newline at the end");
});

Deno.test("readRecordLines() gives the lines of the whole text decoded at once, however members cut the bytes", async () => {
  // A byte-order mark first (dropped, as by one decoder over the file), one inside a line (kept),
  // multi-byte characters, a broken sequence before a newline, empty lines.
  const bytes = Buffer.concat([
    Buffer.from('\ufeff{"a":"é€𝄞"}\n\ufeffx\n\n'),
    Buffer.from([0x79, 0xe2, 0x82, 0x0a, 0xf0, 0x9d]),
    Buffer.from("\u00e9\n\u20ac\u20ac\ud834\udd1e last\n"),
  ]);
  const expected = new TextDecoder().decode(bytes).split("\n").slice(0, -1);
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/x.jsonl.gz`;
    for (let cut = 1; cut < bytes.length; cut++) {
      for (const second of [cut + 1, cut + 3, bytes.length]) {
        const parts = [bytes.subarray(0, cut), bytes.subarray(cut, second), bytes.subarray(second)]
          .filter((p) => p.length > 0)
          .map((p) => zlib.gzipSync(p));
        await Deno.writeFile(path, new Uint8Array(Buffer.concat(parts)));
        const got: (string | number)[] = [];
        for await (const batch of readRecordLines(path)) {
          if (batch.kind === "lines") got.push(...batch.lines);
        }
        assert.deepEqual(got, expected, `cut at ${cut} and ${second}`);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
