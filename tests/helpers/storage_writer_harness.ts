/**
 * A process for the storage crash tests: feeds the real BTCUSDT events through a Recorder
 * continuously, forever, until killed (SIGKILL) or stopped (SIGTERM: clean close, then
 * `closed lastU=<u>` on stdout).
 *
 * The events repeat in cycles with update ids shifted by the cycle's span, so ids stay strictly
 * increasing and continuous (`U == previous u + 1`) forever; event n has E = BASE + n minutes,
 * so a day holds 1440 events and runs cross midnights. On start the harness finds the last
 * update id on disk and continues right after it, with a "rest" snapshot of the book there: a
 * duplicated or missing event shows as a broken id sequence.
 *
 * Usage: deno run -A storage_writer_harness.ts <dataDir> [<feed.json>]
 * (`feed.json`: the {@linkcode BtcusdtFeed} as JSON, to start faster than from the recording)
 *
 * @module
 */
import { OrderBook } from "../../lib/book/order_book.ts";
import { Recorder } from "../../lib/storage/recorder.ts";
import { readGzipMembers } from "../../lib/recording/gzip_reader.ts";
import { depthUpdateRecord } from "../../lib/recording/records.ts";
import type { DepthSnapshot, DepthUpdate } from "../../lib/binance/types.ts";
import { type BtcusdtFeed, loadBtcusdt } from "./storage_fixture.ts";

/** Exchange time of event 0. */
export const HARNESS_BASE = Date.UTC(2025, 0, 1, 12, 0, 0);

const dataDir = Deno.args[0];
if (!dataDir) throw new Error("Usage: storage_writer_harness.ts <dataDir>");
const feed: BtcusdtFeed = Deno.args[1]
  ? JSON.parse(await Deno.readTextFile(Deno.args[1]))
  : await loadBtcusdt();
const cycle = feed.events;
const firstU = cycle[0]!.U;
const span = cycle.at(-1)!.u - firstU + 1;
const indexOfU = new Map(cycle.map((e, i) => [e.u, i]));

/** Global event n: the real event, ids shifted by its cycle, one minute per event. */
function eventAt(n: number): DepthUpdate {
  const k = Math.floor(n / cycle.length);
  const e = cycle[n % cycle.length]!;
  return { ...e, E: HARNESS_BASE + n * 60_000, U: e.U + k * span, u: e.u + k * span };
}

/** Largest depthUpdate `u` in the complete members of the symbol's files, or null. */
async function lastRecordedU(): Promise<number | null> {
  let last: number | null = null;
  let names: string[] = [];
  try {
    names = [...Deno.readDirSync(`${dataDir}/BTCUSDT`)].map((e) => e.name);
  } catch {
    return null;
  }
  for (const name of names.filter((n) => n.endsWith(".jsonl.gz"))) {
    let memberLast: number | null = null;
    for await (const event of readGzipMembers(`${dataDir}/BTCUSDT/${name}`)) {
      if (event.kind === "data") {
        for (const match of new TextDecoder().decode(event.data).matchAll(/"u":(\d+)/g)) {
          memberLast = Math.max(memberLast ?? 0, Number(match[1]));
        }
      } else if (event.kind === "member" && memberLast !== null) {
        last = Math.max(last ?? 0, memberLast);
      }
    }
  }
  return last;
}

const lastU = await lastRecordedU();
let n = 0;
if (lastU !== null) {
  const k = Math.floor((lastU - firstU) / span);
  const i = indexOfU.get(lastU - k * span);
  if (i === undefined) throw new Error(`Recorded u=${lastU} is not an event boundary`);
  n = k * cycle.length + i + 1;
}
// The book at position n, rebuilt from the snapshot (a collector would fetch a REST snapshot).
const book = new OrderBook(feed.snapshot);
for (let m = 0; m < n; m++) {
  const e = eventAt(m);
  if (e.u > book.lastUpdateId) book.apply(e);
}
let inSync = false;
const current = (): DepthSnapshot | null => inSync ? book.snapshot() : null;
let clock = eventAt(n).E;
const recorder = await Recorder.open({
  dataDir,
  collectorVersion: "harness",
  streamName: (s) => `${s.toLowerCase()}@depth@100ms`,
  flushIntervalMs: 20,
  maxMemberBytes: 16 * 1024,
  now: () => clock,
});
console.log(`ready n=${n}`);

let stopping = false;
Deno.addSignalListener("SIGTERM", async () => {
  stopping = true;
  await recorder.close(() => current());
  console.log(`closed lastU=${book.lastUpdateId}`);
  Deno.exit(0);
});

const snapshotAt = feed.snapshot.lastUpdateId;
while (!stopping) {
  for (let j = 0; j < 10; j++, n++) {
    const e = eventAt(n);
    clock = e.E + 1;
    const due = n >= 2 && !inSync && (n > 2 || e.U <= snapshotAt + 1);
    if (due) {
      const { lastUpdateId, bids, asks } = n === 2 ? feed.snapshot : book.snapshot();
      const rest = {
        type: "snapshot",
        recv: clock,
        lastUpdateId,
        bids,
        asks,
        source: "rest",
      } as const;
      recorder.write("BTCUSDT", rest, current);
      inSync = true;
    }
    recorder.write("BTCUSDT", depthUpdateRecord(e, clock), current);
    if (e.u > book.lastUpdateId) book.apply(e);
  }
  await new Promise((resolve) => setTimeout(resolve, 2));
}
