import assert from "node:assert/strict";
import { gunzipSync, gzipSync } from "node:zlib";
import { gzipMember } from "../recording/gzip_member.ts";
import { checkFromEnd, repairTail } from "./tail_repair.ts";

const event = (u: number) =>
  `{"type":"depthUpdate","recv":1,"E":2,"U":${u - 1},"u":${u},"b":[],"a":[]}\n`;
const encode = (text: string) => new TextEncoder().encode(text);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

async function withFile(bytes: Uint8Array, fn: (path: string) => Promise<void>): Promise<void> {
  const path = await Deno.makeTempFile({ suffix: ".gz" });
  try {
    await Deno.writeFile(path, bytes);
    await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

const members = await Promise.all([
  gzipMember(encode(event(10) + event(12))),
  gzipMember(encode(event(14))),
  gzipMember(encode('{"type":"gap","recv":1,"lastUpdateId":14,"reason":"overflow"}\n')),
]);
const whole = concat(members);

Deno.test("repairTail() keeps a file that ends cleanly, found from its end", async () => {
  await withFile(whole, async (path) => {
    assert.deepEqual(await checkFromEnd(path, whole.length), {
      size: whole.length,
      lastUpdateId: 14,
    });
    assert.deepEqual(await repairTail(path), {
      existed: true,
      size: whole.length,
      cut: 0,
      lastUpdateId: 14,
    });
  });
});

Deno.test("repairTail() cuts a last member torn at any byte", async () => {
  const good = members[0]!.length + members[1]!.length;
  for (let cut = 1; cut < members[2]!.length; cut++) {
    const torn = whole.subarray(0, whole.length - cut);
    await withFile(torn, async (path) => {
      const repair = await repairTail(path);
      assert.equal(repair.size, good, `torn by ${cut} bytes`);
      assert.equal(repair.cut, torn.length - good);
      assert.equal(repair.lastUpdateId, 14);
      assert.equal(
        new TextDecoder().decode(gunzipSync(await Deno.readFile(path))),
        event(10) + event(12) + event(14),
      );
    });
  }
});

Deno.test("repairTail() cuts zeros after the last member and empties a file of one torn member", async () => {
  await withFile(concat([whole, new Uint8Array(3000)]), async (path) => {
    assert.equal((await repairTail(path)).size, whole.length);
  });
  await withFile(members[0]!.subarray(0, 25), async (path) => {
    assert.deepEqual(await repairTail(path), {
      existed: true,
      size: 0,
      cut: 25,
      lastUpdateId: null,
    });
  });
});

Deno.test("repairTail() scans plain gzip members (no length field) from the start", async () => {
  const plain = concat([gzipSync(encode(event(5))), gzipSync(encode(event(7)))]);
  await withFile(concat([plain, plain.subarray(0, 30)]), async (path) => {
    assert.equal(await checkFromEnd(path, plain.length + 30), null);
    assert.deepEqual(await repairTail(path), {
      existed: true,
      size: plain.length,
      cut: 30,
      lastUpdateId: 7,
    });
  });
});

Deno.test("repairTail() reads more of the end when a member is larger than its window", async () => {
  const noise = crypto.getRandomValues(new Uint8Array(65536));
  const big = new Uint8Array(6 * 1024 * 1024);
  for (let i = 0; i < big.length; i += noise.length) big.set(noise.map((b) => b ^ i), i);
  const large = await gzipMember(big);
  assert.ok(large.length > 4 * 1024 * 1024);
  const file = concat([members[0]!, large, members[1]!.subarray(0, 40)]);
  await withFile(file, async (path) => {
    assert.deepEqual(await checkFromEnd(path, file.length), {
      size: members[0]!.length + large.length,
      lastUpdateId: 12,
    });
  });
});
