import assert from "node:assert/strict";
import { MAIN_PATH, permissionFlags } from "../scripts/permission_flags.ts";
import { writeLongDay } from "./helpers/fixtures.ts";

/** Runs `collector verify path` as a child; returns its exit code, last line and peak RSS (VmHWM). */
async function verifyPeak(path: string): Promise<{ code: number; last: string; peakMiB: number }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissionFlags(), MAIN_PATH, "verify", path],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0));
    } catch {
      // The process has just exited.
    }
  }, 50);
  try {
    const out = await child.output();
    const lines = new TextDecoder().decode(out.stdout).trimEnd().split("\n");
    return { code: out.code, last: lines.at(-1) ?? "", peakMiB: peak / 1024 };
  } finally {
    clearInterval(poll);
  }
}

Deno.test({
  name: "collector verify keeps memory flat on a 200 MB file built from the real events",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const small = `${dir}/a/BTCUSDT/2024-08-10_dom.jsonl.gz`;
      const big = `${dir}/b/BTCUSDT/2024-08-10_dom.jsonl.gz`;
      const s = await writeLongDay(small, { targetBytes: 20e6, level: 1, linesPerMember: 2000 });
      const b = await writeLongDay(big, { targetBytes: 200e6, level: 1, linesPerMember: 2000 });
      assert.ok(b.bytes >= 200e6 && b.events > 400_000, `${b.bytes} bytes, ${b.events} events`);
      const smallRun = await verifyPeak(small);
      const bigRun = await verifyPeak(big);
      assert.equal(smallRun.code, 0, smallRun.last);
      assert.equal(bigRun.code, 0, bigRun.last);
      assert.match(bigRun.last, new RegExp(`1 whole, 0 damaged, ${b.cycles} marked gaps`));
      console.log(
        `peak RSS: ${smallRun.peakMiB.toFixed(0)} MiB for ${(s.bytes / 1e6).toFixed(0)} MB, ` +
          `${bigRun.peakMiB.toFixed(0)} MiB for ${(b.bytes / 1e6).toFixed(0)} MB`,
      );
      // Flat: nine times the input costs little more memory. (Measured 111-117 MiB for the small
      // file and 139-149 MiB for the big one since the public-API gzip reader, a buffer per
      // member; 90-93 and 104-109 MiB before it: the runtime, the WebAssembly scanner's buffers,
      // one member's lines and the book, not the input; V8 grows its heap lazily, so the figure
      // moves with the machine's load. Before the scanner, parsing every line as JSON, it was
      // 150-190 MiB.)
      assert.ok(bigRun.peakMiB > 0 && bigRun.peakMiB < smallRun.peakMiB + 50);
      assert.ok(bigRun.peakMiB < 192, `${bigRun.peakMiB} MiB`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
