/**
 * `replay` of day files built from the real USDⓈ-M futures recordings: the book, rebuilt by the
 * futures rules, agrees with every real futures bookTicker at the same update id.
 */
import assert from "node:assert/strict";
import { type BookRow, replayBookRows } from "../lib/replay/book_rows.ts";
import { findRecordings } from "../lib/verify/find_recordings.ts";
import { realBookTickers, realFuturesDays, writeDay } from "./helpers/fixtures.ts";

/** bookTickers whose `u` is the `u` of a depth event (the others fall between two events). */
const MATCHING: Record<string, number> = { BTCUSDT: 629, ETHUSDT: 551 };

for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
  Deno.test(`replayBookRows() agrees with every real ${symbol} futures bookTicker at the same update id`, async () => {
    const dir = await Deno.makeTempDir();
    const rows: BookRow[] = [];
    try {
      for (const day of await realFuturesDays(symbol)) await writeDay(dir, day);
      const files = await findRecordings([dir]);
      assert.ok(files.every((f) => f.symbol === symbol && f.dir.endsWith(`/usdm/${symbol}`)));
      for await (const batch of replayBookRows(files, { depth: 20, every: "event" })) {
        rows.push(...batch);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    const byId = new Map(rows.map((r) => [r.updateId, r]));
    let matched = 0;
    const wrong: string[] = [];
    for (const t of await realBookTickers(symbol, "usdm")) {
      const row = byId.get(t.u);
      if (row === undefined) continue;
      const [bid, ask] = [row.bids[0]!, row.asks[0]!];
      if (bid[0] === t.b && bid[1] === t.B && ask[0] === t.a && ask[1] === t.A) matched++;
      else wrong.push(`u=${t.u}: ${bid}/${ask} vs ${t.b}/${t.B} ${t.a}/${t.A}`);
    }
    assert.deepEqual(wrong.slice(0, 5), []);
    assert.equal(matched, MATCHING[symbol]);
    assert.ok(
      rows.length > 6000 && rows.every((r) => r.bids.length === 20 && r.asks.length === 20),
    );
    assert.ok(rows.every((r) => !r.resync), "the day boundary is not a resync");
  });
}
