import assert from "node:assert/strict";
import { introBatch } from "./file_intro.ts";
import { RecordFactory } from "../recording/record_factory.ts";
import type { SnapshotRecord } from "../recording/records.ts";

const factory = new RecordFactory("1.2.3", { streamName: (s) => `${s}@x`, now: () => 42 });
const book: SnapshotRecord = {
  type: "snapshot",
  recv: 7,
  lastUpdateId: 100,
  bids: [["1.0", "2.0"]],
  asks: [["3.0", "4.0"]],
  source: "book",
};
const fresh = { existed: false, size: 0, cut: 0, lastUpdateId: null };

function kinds(
  intro: { book: SnapshotRecord | null; startGap: boolean },
  repair: typeof fresh | { existed: boolean; size: number; cut: number; lastUpdateId: number },
) {
  const batch = introBatch(
    factory,
    { symbol: "BTCUSDT", day: "2025-06-25", intro: { recv: 5, lastUpdateId: 9, ...intro } },
    repair,
  );
  return batch.lines.map((line) => {
    const r = JSON.parse(line);
    return r.type === "gap" ? `gap:${r.reason}:${r.lastUpdateId}` : r.type;
  });
}

Deno.test("introBatch() begins a new file with the header and the book, or a start gap", () => {
  assert.deepEqual(kinds({ book, startGap: true }, fresh), ["header", "snapshot"]);
  assert.deepEqual(kinds({ book: null, startGap: true }, fresh), ["header", "gap:start:9"]);
  assert.deepEqual(kinds({ book: null, startGap: false }, fresh), ["header"]);
});

Deno.test("introBatch() marks an existing file with a restart or crash gap", () => {
  const old = { existed: true, size: 10, cut: 0, lastUpdateId: 77 };
  assert.deepEqual(kinds({ book: null, startGap: true }, old), ["header", "gap:restart:77"]);
  assert.deepEqual(kinds({ book, startGap: true }, { ...old, cut: 5 }), [
    "header",
    "gap:crash:77",
    "snapshot",
  ]);
});

Deno.test("RecordFactory.header() writes the documented fields in order", () => {
  assert.equal(
    JSON.stringify(factory.header("BTCUSDT", "2025-06-25")),
    '{"type":"header","format":1,"exchange":"binance","market":"spot","symbol":"BTCUSDT",' +
      '"date":"2025-06-25","collector":"1.2.3","recv":42,"stream":"BTCUSDT@x"}',
  );
  assert.equal(factory.snapshot(null), null);
});
