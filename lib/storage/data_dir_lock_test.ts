import assert from "node:assert/strict";
import { DataDirLock, DataDirLockedError } from "./data_dir_lock.ts";

Deno.test("DataDirLock.acquire() fails fast while held and succeeds once released", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lock = await DataDirLock.acquire(`${dir}/data`);
    await assert.rejects(() => DataDirLock.acquire(`${dir}/data`), DataDirLockedError);
    lock.release();
    lock.release();
    (await DataDirLock.acquire(`${dir}/data`)).release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("DataDirLock.acquire() keeps the class of an error creating the directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/file`, "");
    await assert.rejects(() => DataDirLock.acquire(`${dir}/file/data`), Deno.errors.NotADirectory);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
