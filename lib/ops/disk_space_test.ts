import assert from "node:assert/strict";
import { freeBytes, parseDfOutput } from "./disk_space.ts";

Deno.test("parseDfOutput() reads the available KiB of df -P -k, spaces in names too", () => {
  const gnu = "Filesystem     1024-blocks     Used Available Capacity Mounted on\n" +
    "/dev/nvme0n1p2   479595168 98765432 356409876      22% /\n";
  assert.equal(parseDfOutput(gnu), 356409876 * 1024);
  const spaces = "Filesystem 1024-blocks Used Available Capacity Mounted on\n" +
    "//nas/my share 1000 400 600 40% /mnt/my data\n";
  assert.equal(parseDfOutput(spaces), 600 * 1024);
  assert.throws(() => parseDfOutput("df: /x: No such file or directory\n"), /unexpected df output/);
});

Deno.test("freeBytes() measures a real directory, and names a missing one in its error", async () => {
  const free = await freeBytes(".");
  assert.ok(Number.isSafeInteger(free) && free > 0, `free ${free}`);
  await assert.rejects(freeBytes("/nonexistent/dir"), /df \/nonexistent\/dir failed/);
});
