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
import { readGzipMembers } from "../lib/recording/gzip_reader.ts";
import { readLineBlocks } from "../lib/recording/line_blocks.ts";
import { readRecords } from "../lib/recording/record_reader.ts";
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
  // The same events with `recv` written last: what a file from another tool costs, every line
  // parsed as JSON (the scanner takes only the collector's own shape).
  const otherPath = `${dir}/other/BTCUSDT/2024-08-10_dom.jsonl.gz`;
  const other = await writeLongDay(otherPath, {
    targetBytes: 60e6,
    level: 6,
    linesPerMember: 500,
    recvLast: true,
  });
  const gzip: number[] = [];
  const verify: number[] = [];
  const verifyOther: number[] = [];
  const verifyCommand = (p: string) =>
    timed(Deno.execPath(), ["run", ...permissionFlags(), MAIN_PATH, "verify", p]);
  for (let i = 0; i < RUNS; i++) {
    gzip.push(await timed("sh", ["-c", `gzip -dc '${path}' > /dev/null`]));
    verify.push(await verifyCommand(path));
    verifyOther.push(await verifyCommand(otherPath));
  }
  const best = (xs: number[]) => Math.min(...xs);
  const g = best(gzip);
  const line = (name: string, bytes: number, events: number, seconds: number) =>
    console.log(
      `${name.padEnd(30)} ${seconds.toFixed(2)} s  ${(bytes / 1e6 / seconds).toFixed(1)} MB/s` +
        (events > 0 ? `  ${Math.round(events / seconds)} events/s` : ""),
    );
  const mb = made.bytes / 1e6;
  console.log(`file: ${mb.toFixed(1)} MB compressed, ${made.events} events (best of ${RUNS})`);
  line("gzip -dc > /dev/null", made.bytes, 0, g);
  const v = best(verify);
  line("collector verify", made.bytes, made.events, v);
  console.log(`verify / gzip speed:   ${(g / v).toFixed(2)} (target >= 0.5)`);
  const o = best(verifyOther);
  line("verify, recv last (all JSON)", other.bytes, other.events, o);
  console.log(
    `  its speed / gzip's on the first file: ${((other.bytes / o) / (made.bytes / g)).toFixed(2)}`,
  );
  // Where verify's time goes, in this process, each phase including the ones before it:
  // inflate + CRC; + cutting whole lines; + the record reader (scanner: depthUpdate lines into
  // numbers, the other lines through JSON.parse); the whole verify (+ the replay, the book and the
  // checks). Best of RUNS each.
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
    // The one record reader with the scanner, as verify reads: lines into records, no checks.
    const sink = {
      event: (ev: { bids: number; asks: number }) => void (levelUpdates += ev.bids + ev.asks),
      record: () => void otherLines++,
      bad: () => void otherLines++,
    };
    for await (const _ of readRecords(path, sink, { scanner: true }));
  });
  const files = await findRecordings([path]);
  const whole = await phase(async () => {
    await verifyFiles(files);
  });
  const s = (x: number) => `${x.toFixed(2)} s`;
  console.log(
    `in process: inflate+CRC ${s(inflate)}, lines ${s(lines - inflate)}, ` +
      `scanner+JSON.parse of ${otherLines} other lines ${s(scan - lines)}, ` +
      `replay+book+verify checks ${s(whole - scan)} ` +
      `(${(levelUpdates / 1e6).toFixed(1)} M levels, ` +
      `${(levelUpdates / (whole - scan) / 1e6).toFixed(1)} M/s); whole ${s(whole)}; ` +
      // Differences of separately timed runs: on a shared machine this one can be about 0.
      `child process start-up and the rest ${s(Math.max(0, v - whole))}`,
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
