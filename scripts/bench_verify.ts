/**
 * `deno task bench verify`: speed of `collector verify` against `gzip -dc > /dev/null` on the same
 * file in the same run. The file is one BTCUSDT day built from the real recordings (repeated with
 * ids and times shifted, gzip level 6 like the recorder's members), about 60 MB compressed.
 * Reports MB/s of compressed input, events/s, and the ratio to gzip (target: at least 0.5), then
 * where the time goes, phase by phase, in this process.
 *
 * @module
 */
import { MAIN_PATH, permissionFlags } from "./permission_flags.ts";
import { writeLongDay } from "../tests/helpers/fixtures.ts";
import { readGzipMembers } from "../lib/util/gzip_members.ts";
import { DepthScanner } from "../lib/verify/depth_scanner.ts";
import { readLineBlocks } from "../lib/verify/line_blocks.ts";
import { findRecordings } from "../lib/verify/find_recordings.ts";
import { verifyFiles } from "../lib/verify/verify_files.ts";

const RUNS = 3;

async function timed(cmd: string, args: string[], stdout: "null" | "piped" = "null") {
  const start = performance.now();
  const out = await new Deno.Command(cmd, { args, stdout, stderr: "piped" }).output();
  const seconds = (performance.now() - start) / 1000;
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return seconds;
}

const dir = await Deno.makeTempDir();
try {
  const path = `${dir}/BTCUSDT/2024-08-10_dom.jsonl.gz`;
  const made = await writeLongDay(path, { targetBytes: 60e6, level: 6, linesPerMember: 500 });
  const mb = made.bytes / 1e6;
  const gzip: number[] = [];
  const verify: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    gzip.push(await timed("sh", ["-c", `gzip -dc '${path}' > /dev/null`]));
    verify.push(
      await timed(Deno.execPath(), ["run", ...permissionFlags(), MAIN_PATH, "verify", path]),
    );
  }
  const best = (xs: number[]) => Math.min(...xs);
  const g = best(gzip);
  const v = best(verify);
  console.log(`file: ${mb.toFixed(1)} MB compressed, ${made.events} events (best of ${RUNS})`);
  console.log(`gzip -dc > /dev/null   ${g.toFixed(2)} s  ${(mb / g).toFixed(1)} MB/s`);
  console.log(
    `collector verify       ${v.toFixed(2)} s  ${(mb / v).toFixed(1)} MB/s  ` +
      `${Math.round(made.events / v)} events/s`,
  );
  console.log(`verify / gzip speed:   ${(g / v).toFixed(2)} (target >= 0.5)`);
  // Where verify's time goes, in this process, each phase including the ones before it:
  // inflate + CRC; + cutting whole lines; + the scanner (depthUpdate lines into numbers, the other
  // lines through JSON.parse); the whole verify (+ the book and the checks). Best of RUNS each.
  const phase = async (run: () => Promise<void>) => {
    let best = Infinity;
    for (let i = 0; i < RUNS; i++) {
      const start = performance.now();
      await run();
      best = Math.min(best, (performance.now() - start) / 1000);
    }
    return best;
  };
  const inflate = await phase(async () => {
    for await (const _ of readGzipMembers(path));
  });
  const lines = await phase(async () => {
    for await (const _ of readLineBlocks(path));
  });
  let levelUpdates = 0;
  let otherLines = 0;
  const scan = await phase(async () => {
    levelUpdates = 0;
    otherLines = 0;
    const scanner = new DepthScanner();
    for await (const block of readLineBlocks(path)) {
      if (block.kind !== "lines") continue;
      scanner.load(block.bytes);
      while (scanner.next()) {
        levelUpdates += scanner.levels.length / 2;
        for (let i = 0; i < scanner.count; i++) {
          if (scanner.isEvent(i)) continue;
          otherLines++;
          JSON.parse(scanner.text(i));
        }
      }
    }
  });
  const files = await findRecordings([path]);
  const whole = await phase(async () => {
    await verifyFiles(files);
  });
  const s = (x: number) => `${x.toFixed(2)} s`;
  console.log(
    `in process: inflate+CRC ${s(inflate)}, lines ${s(lines - inflate)}, ` +
      `scanner+JSON.parse of ${otherLines} other lines ${s(scan - lines)}, ` +
      `book+verify checks ${s(whole - scan)} ` +
      `(${(levelUpdates / 1e6).toFixed(1)} M levels, ` +
      `${(levelUpdates / (whole - scan) / 1e6).toFixed(1)} M/s); whole ${s(whole)}; ` +
      // Differences of separately timed runs: on a shared machine this one can be about 0.
      `child process start-up and the rest ${s(Math.max(0, v - whole))}`,
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
