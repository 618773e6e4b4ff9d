import assert from "node:assert/strict";
import { collector } from "./helpers/collector_process.ts";
import { realDays, realStreamDays, writeDay } from "./helpers/fixtures.ts";

Deno.test("collector replay --with-trades interleaves every real trade with the book rows by exchange time", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const trades = await realStreamDays("ETHUSDT", "trade");
    for (const day of [...await realDays("ETHUSDT"), ...trades]) await writeDay(dir, day);
    const tradeLines = trades.flatMap((d) => d.lines).map((l) => JSON.parse(l))
      .filter((r) => r.type === "trade");
    const plain = await collector("replay", `${dir}/ETHUSDT`, "--depth", "2");
    assert.equal(plain.code, 0, plain.stderr);
    const bookLines = plain.stdout.trimEnd().split("\n").slice(1);

    const csv = await collector("replay", `${dir}/ETHUSDT`, "--depth", "2", "--with-trades");
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trimEnd().split("\n");
    assert.equal(
      lines[0],
      "time,time_ms,row,update_id,resync,bid1_px,bid1_qty,bid2_px,bid2_qty,ask1_px,ask1_qty,ask2_px,ask2_qty,trade_id,trade_px,trade_qty,buyer_maker",
    );
    const rows = lines.slice(1).map((l) => l.split(","));
    assert.ok(rows.every((r) => r.length === 17));
    const tradeRows = rows.filter((r) => r[2] === "trade");
    const books = rows.filter((r) => r[2] === "book");
    // Every trade once, in order, as recorded; every book row of a plain replay, unchanged.
    assert.deepEqual(
      tradeRows.map((r) => [Number(r[1]), Number(r[13]), r[14], r[15], r[16]]),
      tradeLines.map((t) => [t.T, t.t, t.p, t.q, String(t.m)]),
    );
    assert.deepEqual(
      books.map((r) => [r[0], r[1], ...r.slice(3, 13)].join(",")),
      bookLines,
    );
    // Time order; at equal times the book row first.
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [rows[i - 1]!, rows[i]!];
      assert.ok(Number(a[1]) <= Number(b[1]), `line ${i + 1}`);
      if (a[1] === b[1]) assert.ok(!(a[2] === "trade" && b[2] === "book"), `line ${i + 1}`);
    }

    const from = "2024-08-08T23:59:00Z";
    const jsonl = await collector(
      "replay",
      `${dir}/ETHUSDT`,
      "--depth",
      "1",
      "--format",
      "jsonl",
      "--with-trades",
      "--from",
      from,
      "--to",
      "2024-08-09T00:01:00Z",
    );
    assert.equal(jsonl.code, 0, jsonl.stderr);
    const objects = jsonl.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    const trade = objects.find((o) => o.row === "trade");
    assert.deepEqual(Object.keys(trade), [
      "time",
      "time_ms",
      "row",
      "trade_id",
      "price",
      "qty",
      "buyer_maker",
    ]);
    assert.deepEqual(Object.keys(objects.find((o) => o.row === "book")), [
      "time",
      "time_ms",
      "row",
      "update_id",
      "resync",
      "bids",
      "asks",
    ]);
    const inRange = tradeLines.filter((t) =>
      t.T >= Date.parse(from) && t.T < Date.parse("2024-08-09T00:01:00Z")
    );
    assert.equal(objects.filter((o) => o.row === "trade").length, inRange.length);
    assert.ok(inRange.length > 100);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
