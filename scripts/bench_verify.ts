/**
 * `deno task bench verify`: speed of `collector verify` against `gzip -dc > /dev/null` on the same
 * file in the same run. The file is one BTCUSDT day built from the real recordings (repeated with
 * ids and times shifted, gzip level 6 like the recorder's members), about 60 MB compressed.
 * Reports MB/s of compressed input, events/s, and the ratio to gzip (target: at least 0.5).
 *
 * @module
 */
import { MAIN_PATH, permissionFlags } from "./permission_flags.ts";
import { writeLongDay } from "../tests/helpers/fixtures.ts";
import { readGzipMembers } from "../lib/util/gzip_members.ts";
import { parseLine, readRecordLines } from "../lib/verify/record_lines.ts";

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
  // Where verify's time goes, in this process: inflate + CRC, then + lines + JSON.parse.
  let start = performance.now();
  for await (const _ of readGzipMembers(path));
  const inflate = (performance.now() - start) / 1000;
  start = performance.now();
  for await (const batch of readRecordLines(path)) {
    if (batch.kind === "lines") {
      for (let i = 0; i < batch.lines.length; i++) parseLine(batch, i);
    }
  }
  const parse = (performance.now() - start) / 1000;
  console.log(
    `breakdown: inflate+CRC ${inflate.toFixed(2)} s, +lines+JSON.parse ${parse.toFixed(2)} s, ` +
      `the rest (book, checks, start-up) ${(v - parse).toFixed(2)} s`,
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
