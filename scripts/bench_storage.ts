/**
 * Storage benchmark: the real BTCUSDT events (both recorded days, repeated to a meaningful size)
 * written through the Recorder, against `gzip -6` compressing the same serialized text in the
 * same run. Reports bytes/s, CPU and compression ratio of both, for one symbol and for the same
 * events spread over 1500 symbols (every Binance spot symbol: many small members per second).
 *
 * A second part paces writes like a live collector: 1500 symbols for `--seconds`, `--rate` events
 * per second in all (spread evenly, every 100 ms), with the default 1 s flush interval; it reports
 * the CPU used per wall second and the peak memory waiting in batches.
 *
 * Last, the start-up check of a day file's end (`repairTail`, from the end thanks to the members'
 * length field) against a full scan of the same file (`validPrefixLength`).
 *
 * Usage: deno run -A scripts/bench_storage.ts [--mib 64] [--no-fsync] [--seconds 10] [--rate 3000]
 *
 * @module
 */
import { cpuUsage } from "node:process";
import { parseArgs } from "node:util";
import { Recorder } from "../lib/storage/recorder.ts";
import { gzipMember } from "../lib/recording/gzip_member.ts";
import { repairTail } from "../lib/storage/tail_repair.ts";
import { validPrefixLength } from "../lib/recording/gzip_reader.ts";
import { depthUpdateRecord, serializeRecord } from "../lib/recording/records.ts";
import type { DepthUpdateRecord } from "../lib/recording/records.ts";
import { loadBtcusdt } from "../tests/helpers/storage_fixture.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    mib: { type: "string", default: "64" },
    "no-fsync": { type: "boolean" },
    seconds: { type: "string", default: "10" },
    rate: { type: "string", default: "3000" },
  },
});
const targetBytes = Number(values.mib) * 1024 * 1024;
const fsync = !values["no-fsync"];

/** The real events, repeated with shifted ids and times until the text reaches the target size. */
async function buildRecords(): Promise<{ records: DepthUpdateRecord[]; bytes: number }> {
  const { events } = await loadBtcusdt();
  const span = events.at(-1)!.u - events[0]!.U + 1;
  const duration = events.at(-1)!.E - events[0]!.E + 100;
  const base = Date.UTC(2025, 5, 25, 0, 0, 0) - events[0]!.E;
  const records: DepthUpdateRecord[] = [];
  let bytes = 0;
  for (let k = 0; bytes < targetBytes; k++) {
    for (const e of events) {
      const E = e.E + base + k * duration;
      const shifted = { ...e, E, U: e.U + k * span, u: e.u + k * span };
      const record = depthUpdateRecord(shifted, E + 0.123);
      bytes += serializeRecord(record).length + 1;
      records.push(record);
    }
  }
  return { records, bytes };
}

interface Result {
  name: string;
  members?: number;
  inBytes: number;
  outBytes: number;
  wallMs: number;
  cpuMs: number;
}

function report(r: Result): string {
  const mibs = r.inBytes / 1024 / 1024 / (r.wallMs / 1000);
  const cpuMibs = r.inBytes / 1024 / 1024 / (r.cpuMs / 1000);
  return `${r.name.padEnd(34)} ${(r.inBytes / 1048576).toFixed(1)} MiB in ` +
    `${r.wallMs.toFixed(0).padStart(6)} ms wall, ${r.cpuMs.toFixed(0).padStart(6)} ms CPU: ` +
    `${mibs.toFixed(1).padStart(6)} MiB/s wall, ${cpuMibs.toFixed(1).padStart(6)} MiB/s per CPU, ` +
    `ratio ${(r.inBytes / r.outBytes).toFixed(2)}` +
    (r.members
      ? `, ${r.members} members (${(r.inBytes / r.members / 1024).toFixed(1)} KiB each)`
      : "");
}

/** The benchmark's recorder in `dataDir`: fsync as set above, the clock fixed at noon. */
function openRecorder(dataDir: string): Promise<Recorder> {
  return Recorder.open({
    dataDir,
    collectorVersion: "bench",
    streamName: (s) => `${s.toLowerCase()}@depth@100ms`,
    fsync,
    now: () => Date.UTC(2025, 5, 25, 12),
  });
}

/** Writes every record through a Recorder, yielding to the event loop like socket reads do. */
async function throughRecorder(
  records: DepthUpdateRecord[],
  inBytes: number,
  symbols: number,
): Promise<Result> {
  const dataDir = await Deno.makeTempDir({ prefix: "bench_storage_" });
  try {
    const names = Array.from({ length: symbols }, (_, i) => `SYM${i}USDT`);
    const recorder = await openRecorder(dataDir);
    const noBook = () => null;
    const cpu0 = cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < records.length; i++) {
      recorder.write(names[i % symbols]!, records[i]!, noBook);
      if (i % 200 === 199) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await recorder.close();
    const wallMs = performance.now() - t0;
    const cpu = cpuUsage(cpu0);
    const stats = recorder.stats;
    if (stats.droppedRecords > 0 || stats.writeErrors > 0) {
      throw new Error(`Recorder dropped ${stats.droppedRecords}, errors ${stats.writeErrors}`);
    }
    return {
      name: `Recorder, ${symbols} symbol${symbols > 1 ? "s" : ""}${fsync ? "" : " (no fsync)"}`,
      members: stats.membersWritten,
      inBytes,
      outBytes: stats.bytesWritten,
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

/** `gzip -6` over the same serialized text, CPU measured by /usr/bin/time. */
async function throughGzip(records: DepthUpdateRecord[], inBytes: number): Promise<Result> {
  const dir = await Deno.makeTempDir({ prefix: "bench_gzip_" });
  try {
    const text = records.map(serializeRecord).join("\n") + "\n";
    await Deno.writeTextFile(`${dir}/in.jsonl`, text);
    const t0 = performance.now();
    const { code, stderr } = await new Deno.Command("/usr/bin/time", {
      args: ["-f", "%U %S", "sh", "-c", `gzip -6 -c "$0" > "$0.gz"`, `${dir}/in.jsonl`],
      stderr: "piped",
    }).output();
    const wallMs = performance.now() - t0;
    if (code !== 0) throw new Error(`gzip failed: ${new TextDecoder().decode(stderr)}`);
    const [user, system] = new TextDecoder().decode(stderr).trim().split(/\s+/).map(Number);
    return {
      name: "gzip -6 (same text, one stream)",
      inBytes,
      outBytes: (await Deno.stat(`${dir}/in.jsonl.gz`)).size,
      wallMs,
      cpuMs: ((user ?? 0) + (system ?? 0)) * 1000,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const { records, bytes } = await buildRecords();
console.log(
  `${records.length} depthUpdate records, ${(bytes / 1048576).toFixed(1)} MiB of JSON lines`,
);
const results = [
  await throughGzip(records, bytes),
  await throughRecorder(records, bytes, 1),
  await throughRecorder(records, bytes, 1500),
];
for (const r of results) console.log(report(r));
const [gzip, one, many] = results as [Result, Result, Result];
console.log(
  `CPU per byte vs gzip -6: 1 symbol ${(one.cpuMs / gzip.cpuMs).toFixed(2)}x, ` +
    `1500 symbols ${(many.cpuMs / gzip.cpuMs).toFixed(2)}x`,
);

/** 1500 symbols written at a steady rate, as a live collector would, for `seconds`. */
async function paced(records: DepthUpdateRecord[], seconds: number, rate: number): Promise<void> {
  const symbols = 1500;
  const dataDir = await Deno.makeTempDir({ prefix: "bench_storage_paced_" });
  try {
    const names = Array.from({ length: symbols }, (_, i) => `SYM${i}USDT`);
    const recorder = await openRecorder(dataDir);
    const perTick = Math.round(rate / 10);
    let next = 0;
    let inBytes = 0;
    let peak = 0;
    // Warm up: every file opened.
    for (let i = 0; i < symbols; i++) recorder.write(names[i]!, records[next++]!, () => null);
    await recorder.flush();
    const cpu0 = cpuUsage();
    const t0 = performance.now();
    for (let tick = 1; tick <= seconds * 10; tick++) {
      for (let j = 0; j < perTick; j++) {
        const record = records[next++ % records.length]!;
        inBytes += serializeRecord(record).length + 1;
        recorder.write(names[next % symbols]!, record, () => null);
      }
      peak = Math.max(peak, recorder.stats.pendingBytes);
      const wait = t0 + tick * 100 - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const wallMs = performance.now() - t0;
    const cpu = cpuUsage(cpu0);
    const stats = recorder.stats;
    await recorder.close();
    const cpuPerWall = (cpu.user + cpu.system) / 1000 / wallMs;
    console.log(
      `Paced, 1500 symbols${fsync ? "" : " (no fsync)"}: ${rate} events/s ` +
        `(${(inBytes / 1048576 / (wallMs / 1000)).toFixed(1)} MiB/s of JSON) for ` +
        `${(wallMs / 1000).toFixed(1)} s: ${cpuPerWall.toFixed(3)} CPU s per wall s, ` +
        `${(stats.membersWritten / (wallMs / 1000)).toFixed(0)} members/s, ` +
        `peak ${(peak / 1048576).toFixed(1)} MiB waiting, dropped ${stats.droppedRecords}, ` +
        `write errors ${stats.writeErrors}`,
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

await paced(records, Number(values.seconds), Number(values.rate));

/** Start-up tail check of a large day file: from the end vs a full scan. */
async function tailCheck(records: DepthUpdateRecord[]): Promise<void> {
  const text = records.map(serializeRecord).join("\n") + "\n";
  const path = await Deno.makeTempFile({ prefix: "bench_tail_", suffix: ".jsonl.gz" });
  try {
    const file = await Deno.open(path, { write: true });
    const chunk = 1024 * 1024;
    let members = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < text.length; i += chunk) {
        await file.write(await gzipMember(new TextEncoder().encode(text.slice(i, i + chunk))));
        members++;
      }
    }
    file.close();
    const bytes = (await Deno.stat(path)).size;
    let t0 = performance.now();
    const repair = await repairTail(path);
    const fromEnd = performance.now() - t0;
    t0 = performance.now();
    const scan = await validPrefixLength(path);
    const full = performance.now() - t0;
    if (repair.size !== bytes || scan.validBytes !== bytes) throw new Error("Tail check disagrees");
    console.log(
      `Start-up tail check of a ${(bytes / 1048576).toFixed(1)} MiB file (${members} members, ` +
        `${((text.length * 3) / 1048576).toFixed(0)} MiB of JSON): from the end ` +
        `${fromEnd.toFixed(1)} ms, full scan ${full.toFixed(0)} ms`,
    );
  } finally {
    await Deno.remove(path);
  }
}

await tailCheck(records);
