import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import zlib from "node:zlib";
import { numericUpdate } from "../book/numeric_book.ts";
import { realDays } from "../../tests/helpers/fixtures.ts";
import {
  type NumericEvent,
  readRecordBytes,
  readRecords,
  type RecordSink,
} from "./record_reader.ts";
import { levelsProblem, parseRecordLine } from "./record_parse.ts";

/** What a reader handed its sink, one string a line: `line:type`, `line:message`, `line:event …`. */
function collector(out: string[]): RecordSink {
  const event = (ev: NumericEvent, line: number) => {
    const levels = ev.levels.subarray(ev.start, ev.start + 2 * (ev.bids + ev.asks));
    const { E, U, u, bids, asks } = ev;
    out.push(`${line}:event ${JSON.stringify({ E, U, u, bids, asks })} ${[...levels]}`);
  };
  return {
    record: (r, line) => {
      if (r.type !== "depthUpdate") return out.push(`${line}:${r.type}`);
      const invalid = levelsProblem(r.b) ?? levelsProblem(r.a);
      if (invalid !== undefined) return out.push(`${line}:event ${invalid}`);
      event({ E: r.E, ...numericUpdate(r) }, line);
    },
    event,
    bad: (message, line) => out.push(`${line}:${message}`),
  };
}
async function withGzip<T>(parts: Uint8Array[], fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/x.jsonl.gz`;
    await Deno.writeFile(path, new Uint8Array(Buffer.concat(parts.map((p) => zlib.gzipSync(p)))));
    return await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function lines(text: string, maxLineLength: number, members = 3) {
  const cut = Math.floor(text.length / members);
  const parts = Array.from(
    { length: members },
    (_, i) => Buffer.from(text.slice(i * cut, i === members - 1 ? undefined : (i + 1) * cut)),
  );
  return await withGzip(parts, async (path) => {
    const out: string[] = [];
    for await (const _ of readRecords(path, collector(out), { maxLineLength }));
    return out;
  });
}

Deno.test("readRecords() numbers lines across members, skips over-long ones, flags the last", async () => {
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

Deno.test("readRecords() reads the lines of the whole text decoded at once, however members cut the bytes", async () => {
  // A byte-order mark first (dropped, as by one decoder over the file), one inside a line (kept),
  // multi-byte characters, a broken sequence before a newline, empty lines.
  const bytes = Buffer.concat([
    Buffer.from('\ufeff{"a":"é€𝄞"}\n\ufeffx\n\n'),
    Buffer.from([0x79, 0xe2, 0x82, 0x0a, 0xf0, 0x9d]),
    Buffer.from("\u00e9\n\u20ac\u20ac\ud834\udd1e last\n"),
  ]);
  const expected = new TextDecoder().decode(bytes).split("\n").slice(0, -1).map((text, i) => {
    const r = parseRecordLine(text);
    return `${i + 1}:${typeof r === "string" ? r : r.type}`;
  });
  for (let cut = 1; cut < bytes.length; cut++) {
    for (const second of [cut + 1, cut + 3, bytes.length]) {
      const parts = [bytes.subarray(0, cut), bytes.subarray(cut, second), bytes.subarray(second)]
        .filter((p) => p.length > 0);
      const got = await withGzip(parts, async (path) => {
        const out: string[] = [];
        for await (const _ of readRecords(path, collector(out)));
        return out;
      });
      assert.deepEqual(got, expected, `cut at ${cut} and ${second}`);
    }
  }
});

Deno.test("readRecords() with the scanner hands the sink what the JSON path does, line for line", async () => {
  const [day] = await realDays("BTCUSDT");
  const lines = day!.lines.slice(0, 3000);
  // Damage a few lines so both paths meet bad lines and lines the scanner leaves to JSON.
  lines[10] = lines[10]!.replace('"b":[[', '"b":[["abc","1"],[');
  lines[20] = lines[20]!.slice(0, 30);
  lines[30] = lines[30]!.replace(/"U":(\d+),"u":(\d+)/, (_, U, u) => `"U":${u},"u":${U}`);
  const text = Buffer.from(lines.join("\n") + "\n");
  const parts = [text.subarray(0, 100_000), text.subarray(100_000)];
  const [scanned, parsed] = await withGzip(parts, async (path) => {
    const a: string[] = [];
    const b: string[] = [];
    const sink = collector(a);
    let fast = 0;
    const event = sink.event!;
    sink.event = (ev, line, member) => void (fast++, event(ev, line, member));
    for await (const _ of readRecords(path, sink, { scanner: true }));
    assert.ok(fast > 2900, `${fast} events on the fast path`);
    for await (const _ of readRecords(path, collector(b)));
    return [a, b];
  });
  assert.equal(scanned.length, lines.length);
  assert.deepEqual(scanned, parsed);
  const inMemory: string[] = [];
  readRecordBytes(text, collector(inMemory), { scanner: true });
  assert.deepEqual(inMemory, parsed);
});

Deno.test("readRecordBytes() ends with a bad line when the bytes do not end with a newline", () => {
  const out: string[] = [];
  readRecordBytes(
    Buffer.from('{"type":"gap","recv":1,"lastUpdateId":null,"reason":"x"}\n{"ty'),
    collector(out),
  );
  assert.deepEqual(out, ["1:gap", '2:Line is not JSON: "{\\"ty"']);
});

Deno.test("new LineReader() with the scanner refuses a sink without event()", () => {
  const sink = { record() {}, bad() {} };
  assert.throws(() => readRecordBytes(Buffer.from("\n"), sink, { scanner: true }), TypeError);
});
