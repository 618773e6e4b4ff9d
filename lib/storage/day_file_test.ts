import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { DayFile } from "./day_file.ts";
import { gzipMember } from "../recording/gzip_member.ts";

const member = (text: string) => gzipMember(new TextEncoder().encode(text));

Deno.test("DayFile.open() cuts a torn tail back to the last complete member", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/X/2025-06-25_dom.jsonl.gz`;
    const first = await member(
      '{"type":"depthUpdate","recv":1,"E":2,"U":1,"u":5,"b":[],"a":[]}\n',
    );
    const second = await member("b\n");
    await Deno.mkdir(`${dir}/X`);
    await Deno.writeFile(path, new Uint8Array([...first, ...second.subarray(0, 9)]));
    const file = new DayFile(path);
    const repair = await file.open();
    assert.deepEqual(repair, { existed: true, size: first.length, cut: 9, lastUpdateId: 5 });
    await file.append(second, false);
    file.close();
    assert.equal(
      new TextDecoder().decode(gunzipSync(await Deno.readFile(path))).split("\n")[1],
      "b",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("DayFile.append() removes a partial write when it fails, and can reopen", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/X/f.gz`;
    let fail = true;
    const file = new DayFile(path, async (p, bytes) => {
      if (!fail) return;
      await Deno.writeFile(p, bytes.subarray(0, 5), { append: true });
      throw new Error("No space left on device (os error 28)");
    });
    assert.equal((await file.open()).existed, false);
    fail = false;
    await file.append(await member("a\n"), true);
    fail = true;
    await assert.rejects(() => file.append(new Uint8Array(10), true), /No space left/);
    assert.equal(file.isOpen, false);
    assert.equal((await Deno.stat(path)).size, file.size, "partial write cut back");
    fail = false;
    const repair = await file.open();
    assert.equal(repair.size, file.size);
    await file.append(await member("c\n"), true);
    file.close();
    assert.equal(new TextDecoder().decode(gunzipSync(await Deno.readFile(path))), "a\nc\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
