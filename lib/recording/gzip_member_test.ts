import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { gzipMember } from "./gzip_member.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("gzipMember() makes one complete member that DecompressionStream reads", async () => {
  const text = '{"type":"gap"}\n'.repeat(1000);
  const member = await gzipMember(encode(text));
  assert.deepEqual([...member.subarray(0, 3)], [0x1f, 0x8b, 8]);
  const stream = new Blob([member as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("gzip"));
  assert.equal(await new Response(stream).text(), text);
});

Deno.test("gzipMember() output concatenates into one valid multi-member file", async () => {
  const parts = ["first\n", "", "second\n".repeat(5000)];
  const members = await Promise.all(parts.map((p) => gzipMember(encode(p))));
  const file = new Uint8Array(members.reduce((n, m) => n + m.length, 0));
  let offset = 0;
  for (const m of members) {
    file.set(m, offset);
    offset += m.length;
  }
  assert.equal(decode(gunzipSync(file)), parts.join(""));
});
