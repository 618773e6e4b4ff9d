import assert from "node:assert/strict";
import { DataDirLockedError, Recorder } from "../lib/storage/recorder.ts";

const RECORDER = new URL("../lib/storage/recorder.ts", import.meta.url).href;

function open(dataDir: string): Promise<Recorder> {
  return Recorder.open({ dataDir, collectorVersion: "test", streamName: (s) => s });
}

Deno.test("Recorder.open() refuses a data directory another recorder holds, until it closes", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "storage_lock_" });
  try {
    const first = await open(dataDir);
    await assert.rejects(() => open(dataDir), (error: unknown) => {
      assert.ok(error instanceof DataDirLockedError);
      assert.match(error.message, new RegExp(`"${dataDir}" is already in use`));
      assert.match(error.message, new RegExp(`pid ${Deno.pid}`));
      return true;
    });
    await first.close();
    const second = await open(dataDir);
    await second.close();
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("Recorder.open() refuses a directory held by another process, not one whose holder died", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "storage_lock_proc_" });
  try {
    const code = `
      import { Recorder } from "${RECORDER}";
      await Recorder.open({ dataDir: ${
      JSON.stringify(dataDir)
    }, collectorVersion: "t", streamName: (s) => s });
      console.log("open");
      await new Promise(() => {});`;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", code],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    assert.equal((await reader.read()).value?.trim(), "open");
    try {
      await assert.rejects(() => open(dataDir), (error: unknown) => {
        assert.ok(error instanceof DataDirLockedError);
        assert.match(error.message, new RegExp(`pid ${child.pid}`));
        return true;
      });
    } finally {
      child.kill("SIGKILL");
      await child.status;
      await reader.cancel();
    }
    // The kernel released the dead holder's lock.
    const recorder = await open(dataDir);
    await recorder.close();
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
