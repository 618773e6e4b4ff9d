import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import zlib from "node:zlib";
import { gzipMember } from "./gzip_member.ts";
import { type GzipEvent, memberData, readGzipMembers, validPrefixLength } from "./gzip_reader.ts";

function text(n: number, seed: number): string {
  let out = "";
  for (let i = 0; i < n; i++) out += `{"line":${i},"v":${(i * 7919 + seed) % 10007}}\n`;
  return out;
}

async function withFile(
  bytes: Uint8Array,
  fn: (path: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/f.gz`;
    await Deno.writeFile(path, bytes);
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function collect(
  path: string,
  options: Parameters<typeof readGzipMembers>[1] = {},
): Promise<{ text: string; members: GzipEvent[]; damage: GzipEvent | undefined }> {
  const parts: Buffer[] = [];
  const members: GzipEvent[] = [];
  let damage: GzipEvent | undefined;
  for await (const event of readGzipMembers(path, options)) {
    if (event.kind === "data") parts.push(Buffer.from(event.data));
    else if (event.kind === "member") members.push(event);
    else damage = event;
  }
  return { text: Buffer.concat(parts).toString("utf8"), members, damage };
}

const pieces = [text(2000, 1), text(10, 2), text(5000, 3)];
const members = pieces.map((p) => zlib.gzipSync(p));
const joined = Buffer.concat(members);

Deno.test("readGzipMembers() yields every member with its offsets, when the file is whole", async () => {
  await withFile(joined, async (path) => {
    const got = await collect(path, { readSize: 4096 });
    assert.equal(got.text, pieces.join(""));
    assert.equal(got.damage, undefined);
    assert.deepEqual(
      got.members.map((m) => m.kind === "member" ? [m.start, m.end] : []),
      [
        [0, members[0]!.length],
        [members[0]!.length, members[0]!.length + members[1]!.length],
        [members[0]!.length + members[1]!.length, joined.length],
      ],
    );
  });
});

Deno.test("readGzipMembers() reads headers with FEXTRA, FNAME, FCOMMENT and FHCRC", async () => {
  const plain = zlib.gzipSync("hello\n");
  const header = Buffer.from([0x1f, 0x8b, 8, 4 | 8 | 16 | 2, 0, 0, 0, 0, 0, 3]);
  const extra = Buffer.from([3, 0, 1, 2, 3]);
  const name = Buffer.from("name.txt\0");
  const comment = Buffer.from("a comment\0");
  const hcrc = Buffer.from([0, 0]);
  const member = Buffer.concat([header, extra, name, comment, hcrc, plain.subarray(10)]);
  await withFile(Buffer.concat([member, plain]), async (path) => {
    const got = await collect(path);
    assert.equal(got.text, "hello\nhello\n");
    assert.equal(got.members.length, 2);
    assert.equal(got.damage, undefined);
  });
});

Deno.test("readGzipMembers() reports a member cut short at its start, after the members before it", async () => {
  const cut = joined.subarray(0, members[0]!.length + members[1]!.length + 100);
  await withFile(cut, async (path) => {
    const got = await collect(path);
    assert.equal(got.text, pieces[0]! + pieces[1]!);
    assert.deepEqual(got.damage && { ...got.damage, message: "" }, {
      kind: "damage",
      problem: "truncated",
      offset: members[0]!.length + members[1]!.length,
      message: "",
    });
    assert.deepEqual(await validPrefixLength(path), {
      validBytes: members[0]!.length + members[1]!.length,
      fileBytes: cut.length,
      members: 2,
    });
  });
});

Deno.test("readGzipMembers() reports a bad CRC32 and a flipped data byte at the member's offset", async () => {
  const badCrc = Buffer.from(joined);
  badCrc[members[0]!.length - 8]! ^= 1;
  await withFile(badCrc, async (path) => {
    const got = await collect(path);
    assert.equal(got.text, "");
    assert.equal(got.damage?.kind === "damage" && got.damage.problem, "crc");
    assert.equal(got.damage?.kind === "damage" && got.damage.offset, 0);
  });
  const flipped = Buffer.from(joined);
  const second = members[0]!.length + members[1]!.length;
  flipped[second + 200]! ^= 0x10;
  await withFile(flipped, async (path) => {
    const got = await collect(path);
    assert.equal(got.text, pieces[0]! + pieces[1]!);
    assert.ok(got.damage?.kind === "damage" && ["crc", "corrupt"].includes(got.damage.problem));
    assert.equal(got.damage?.kind === "damage" && got.damage.offset, second);
  });
});

Deno.test("readGzipMembers() reports garbage between and after members with its offset", async () => {
  const between = Buffer.concat([members[0]!, Buffer.from("junk"), members[1]!]);
  await withFile(between, async (path) => {
    const got = await collect(path);
    assert.equal(got.text, pieces[0]);
    assert.equal(got.damage?.kind === "damage" && got.damage.problem, "garbage");
    assert.equal(got.damage?.kind === "damage" && got.damage.offset, members[0]!.length);
  });
  const after = Buffer.concat([joined, Buffer.alloc(3)]);
  await withFile(after, async (path) => {
    const got = await collect(path);
    assert.equal(got.text, pieces.join(""));
    assert.equal(got.damage?.kind === "damage" && got.damage.offset, joined.length);
  });
});

Deno.test("readGzipMembers() yields nothing for an empty file", async () => {
  await withFile(new Uint8Array(0), async (path) => {
    const got = await collect(path);
    assert.equal(got.text, "");
    assert.equal(got.members.length, 0);
    assert.equal(got.damage, undefined);
    assert.deepEqual(await validPrefixLength(path), { validBytes: 0, fileBytes: 0, members: 0 });
  });
});

Deno.test("readGzipMembers() streams a member larger than holdLimit, and checks its trailer", async () => {
  const big = text(60_000, 9);
  const gz = zlib.gzipSync(big);
  const small = zlib.gzipSync("tail\n");
  const options = { holdLimit: 32 * 1024, readSize: 16 * 1024 };
  await withFile(Buffer.concat([gz, small]), async (path) => {
    const got = await collect(path, options);
    assert.equal(got.text, big + "tail\n");
    assert.equal(got.members.length, 2);
    assert.equal(got.damage, undefined);
  });
  await withFile(gz.subarray(0, gz.length - 3), async (path) => {
    const got = await collect(path, options);
    assert.equal(got.damage?.kind === "damage" && got.damage.problem, "truncated");
    assert.ok(got.text.length > 0 && big.startsWith(got.text));
  });
  const badCrc = Buffer.from(gz);
  badCrc[gz.length - 6]! ^= 1;
  await withFile(badCrc, async (path) => {
    const got = await collect(path, options);
    assert.equal(got.damage?.kind === "damage" && got.damage.problem, "crc");
  });
  const corrupt = Buffer.from(gz);
  for (let i = 5000; i < 5100; i++) corrupt[i] = 0xff;
  await withFile(corrupt, async (path) => {
    const got = await collect(path, options);
    assert.ok(got.damage?.kind === "damage" && ["crc", "corrupt"].includes(got.damage.problem));
  });
});

Deno.test("readGzipMembers() reads members written by gzipMember(), and one whose length field lies", async () => {
  const own = await Promise.all(pieces.map((p) => gzipMember(new TextEncoder().encode(p))));
  const file = Buffer.concat(own);
  await withFile(file, async (path) => {
    const got = await collect(path, { readSize: 4096 });
    assert.equal(got.text, pieces.join(""));
    assert.equal(got.damage, undefined);
    assert.deepEqual(got.members.map((m) => m.kind === "member" && m.end), [
      own[0]!.length,
      own[0]!.length + own[1]!.length,
      file.length,
    ]);
  });
  // A length field one byte short: the member is still read by its deflate data.
  const lying = Buffer.from(file);
  lying.writeUInt32LE(own[0]!.length - 1, 16);
  await withFile(lying, async (path) => {
    const got = await collect(path);
    assert.equal(got.text, pieces.join(""));
    assert.equal(got.damage, undefined);
  });
});

Deno.test("memberData() checks one member in place: whole, cut or with a flipped byte", async () => {
  const member = await gzipMember(new TextEncoder().encode(pieces[0]!));
  const bytes = Buffer.concat([zlib.gzipSync("before\n"), member]);
  const start = bytes.length - member.length;
  assert.equal(Buffer.from(memberData(bytes, start, bytes.length)!).toString(), pieces[0]);
  assert.equal(memberData(bytes, start, bytes.length - 1), null);
  const flipped = Buffer.from(bytes);
  flipped[bytes.length - 5]! ^= 1;
  assert.equal(memberData(flipped, start, bytes.length), null);
});

Deno.test("readGzipMembers() yields a member over holdLimit in pieces, each at most holdLimit", async () => {
  const big = text(60_000, 4);
  await withFile(zlib.gzipSync(big), async (path) => {
    let pieces = 0;
    let out = "";
    for await (const event of readGzipMembers(path, { holdLimit: 64 * 1024, readSize: 8192 })) {
      if (event.kind !== "data") continue;
      pieces++;
      assert.ok(event.data.length <= 64 * 1024);
      out += Buffer.from(event.data).toString();
    }
    assert.equal(out, big);
    assert.ok(pieces > 10, `${pieces} pieces`);
  });
});

Deno.test("gzip_reader.ts drives node:zlib through its public API only", async () => {
  const source = await Deno.readTextFile(new URL("./gzip_reader.ts", import.meta.url));
  assert.doesNotMatch(source, /\._handle|_writeState|writeSync/);
});
