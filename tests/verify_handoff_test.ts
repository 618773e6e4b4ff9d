import assert from "node:assert/strict";
import type { DepthUpdate, PriceLevel } from "../lib/binance/types.ts";
import { DepthSync } from "../lib/book/depth_sync.ts";
import { serializeRecord } from "../lib/recording/records.ts";
import { findRecordings } from "../lib/verify/find_recordings.ts";
import { verifyFiles } from "../lib/verify/verify_files.ts";
import { replayBookRows } from "../lib/replay/book_rows.ts";
import { realDays, writeDay } from "./helpers/fixtures.ts";

/**
 * A handoff to a connection that batches events differently: the collector writes the book as a
 * `book` snapshot, then the new connection's first event, which overlaps the book (`U <= id < u`)
 * and so bridges it. Built from the real BTCUSDT day: event k+1 is replaced by the union of events
 * k and k+1 (k+1's levels win), as a connection batching the two together would send it.
 */
async function handoffDay(withSnapshot: boolean) {
  const day = (await realDays("BTCUSDT"))[1]!;
  const sync = new DepthSync();
  const lines = [...day.lines];
  let previous: DepthUpdate | null = null;
  let applied = 0;
  for (let i = 0; i < lines.length; i++) {
    const record = JSON.parse(lines[i]!);
    if (record.type === "snapshot") sync.onSnapshot(record);
    if (record.type !== "depthUpdate") continue;
    const event = { e: "depthUpdate", s: "BTCUSDT", ...record } as DepthUpdate;
    if (sync.onEvent(event).kind === "applied" && ++applied === 300 && previous !== null) {
      // `sync` is at event k+1 now; the book written at the switch is the one at event k.
      const merge = (
        a: PriceLevel[],
        b: PriceLevel[],
      ) => [...new Map([...a, ...b].map((l) => [l[0], l])).values()];
      const merged = {
        ...record,
        U: previous.U,
        b: merge(previous.b, record.b),
        a: merge(previous.a, record.a),
      };
      const replaced = [serializeRecord(merged)];
      if (withSnapshot) {
        const atK = new DepthSync();
        for (const line of lines.slice(0, i)) {
          const r = JSON.parse(line);
          if (r.type === "snapshot") atK.onSnapshot(r);
          if (r.type === "depthUpdate") atK.onEvent({ e: "depthUpdate", s: "BTCUSDT", ...r });
        }
        assert.equal(atK.lastUpdateId, previous.u);
        const book = atK.book.snapshot();
        replaced.unshift(serializeRecord({
          type: "snapshot",
          recv: record.recv,
          lastUpdateId: book.lastUpdateId,
          bids: book.bids,
          asks: book.asks,
          source: "book",
        }));
      }
      lines.splice(i, 1, ...replaced);
      return { ...day, lines };
    }
    previous = event;
  }
  throw new Error("the real day has fewer than 300 applied events");
}

async function inDir<T>(
  day: Awaited<ReturnType<typeof handoffDay>>,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir();
  try {
    await writeDay(dir, day);
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function verifyDay(day: Awaited<ReturnType<typeof handoffDay>>) {
  return inDir(day, async (dir) => verifyFiles(await findRecordings([dir])));
}

Deno.test("verifyFiles() accepts an overlapping event right after a book snapshot (a handoff)", async () => {
  const report = await verifyDay(await handoffDay(true));
  const file = report.files[0]!;
  assert.deepEqual(file.problems, []);
  assert.equal(report.exitCode, 0);
  assert.equal(file.gaps.length, 0, "no gap: nothing was lost");
});

Deno.test("verifyFiles() reports the same overlapping event without the book snapshot", async () => {
  const report = await verifyDay(await handoffDay(false));
  assert.equal(report.exitCode, 1);
  assert.ok(report.files[0]!.problems.length > 0);
});

Deno.test("replayBookRows() keeps emitting through a handoff's book snapshot and bridging event", async () => {
  const day = await handoffDay(true);
  const events = day.lines.filter((l) => l.includes('"type":"depthUpdate"')).length;
  const rows = await inDir(day, async (dir) => {
    const out = [];
    for await (
      const batch of replayBookRows(await findRecordings([dir]), { depth: 5, every: "event" })
    ) {
      out.push(...batch);
    }
    return out;
  });
  assert.equal(rows.filter((r) => r.resync).length, 0, "never lost sync");
  // Every event from the one bridging the opening snapshot to the last gives a row.
  assert.ok(rows.length >= events - 5, `${rows.length} rows for ${events} events`);
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i]!.updateId > rows[i - 1]!.updateId);
});
