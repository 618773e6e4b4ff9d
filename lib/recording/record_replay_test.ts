import assert from "node:assert/strict";
import { numericDifference } from "../book/numeric_book.ts";
import type { PriceLevel } from "../binance/types.ts";
import type { DepthUpdateRecord, SnapshotRecord } from "./records.ts";
import type { ParsedRecord } from "./record_parse.ts";
import {
  linkDays,
  numericReplay,
  type ReplayEvent,
  type ReplayListener,
  stringReplay,
} from "./record_replay.ts";

const header: ParsedRecord = {
  type: "header",
  format: 1,
  exchange: "binance",
  market: "spot",
  symbol: "BTCUSDT",
  date: "2024-08-08",
  collector: "test",
  recv: 1,
  stream: "btcusdt@depth@100ms",
};

function snapshot(id: number, bids: PriceLevel[], source: "rest" | "book"): SnapshotRecord {
  return { type: "snapshot", recv: 1, lastUpdateId: id, bids, asks: [["200.0", "1.0"]], source };
}

function event(U: number, u: number, b: PriceLevel[]): DepthUpdateRecord {
  return { type: "depthUpdate", recv: 1, E: 1723075200000 + u, U, u, b, a: [] };
}

/** Feeds `records` (lines 1, 2, …) to a fresh file of `replay`; returns what it reported. */
/** What the tests use of a replay, whatever its book. */
interface AnyReplay {
  startFile(listener: ReplayListener<ReplayEvent>, options: { follows?: boolean }): void;
  record(r: ParsedRecord, line: number): void;
  endFile(): void;
}

function run(replay: AnyReplay, records: ParsedRecord[], follows = false): string[] {
  const out: string[] = [];
  const listener: ReplayListener<ReplayEvent> = {
    applied: (ev, line) => out.push(`${line} applied ${ev.u}`),
    synced: (s) =>
      out.push(`${s.line} synced ${s.snapshot.lastUpdateId}${s.seamless ? " seamless" : ""}`),
    checkpoint: (_, d, line) =>
      out.push(`${line} checkpoint ${d === undefined ? "equal" : "differs"}`),
    duplicate: (ev, id, line) => out.push(`${line} duplicate ${ev.u} <= ${id}`),
    lost: (loss) => out.push(`${loss.line} lost ${loss.cause}`),
    dayLink: (link) => out.push(`day ${link.status}`),
  };
  replay.startFile(listener, { follows });
  records.forEach((r, i) => replay.record(r, i + 1));
  replay.endFile();
  return out;
}

const replays: Record<string, () => AnyReplay & { book: unknown }> = {
  numeric: numericReplay,
  string: stringReplay,
};

for (const [name, make] of Object.entries(replays)) {
  Deno.test(`${name}Replay() keeps the replayed book on an equal checkpoint, which the next event may bridge`, () => {
    const replay = make();
    const out = run(replay, [
      header,
      snapshot(10, [["100.0", "1.0"]], "rest"),
      event(11, 12, [["100.0", "2.0"]]),
      // Equal by value, spelled differently: the book is kept, not reloaded.
      snapshot(12, [["100", "2"]], "book"),
      event(12, 13, [["99.0", "1.0"]]), // bridges the checkpoint (a handoff)
    ]);
    assert.deepEqual(out, ["2 synced 10", "3 applied 12", "4 checkpoint equal", "5 applied 13"]);
    if (name === "string") {
      // The exchange's strings of the events, not the checkpoint's spelling.
      assert.deepEqual((replay.book as unknown as { top(n: number): unknown }).top(2), {
        bids: [["100.0", "2.0"], ["99.0", "1.0"]],
        asks: [["200.0", "1.0"]],
      });
    }
  });

  Deno.test(`${name}Replay() keeps the replayed book on a differing checkpoint and wants exact continuation`, () => {
    const out = run(make(), [
      header,
      snapshot(10, [["100.0", "1.0"]], "rest"),
      event(11, 12, [["100.0", "2.0"]]),
      snapshot(12, [["100.0", "3.0"]], "book"),
      event(12, 13, [["99.0", "1.0"]]), // would bridge; after a mismatch it must continue
      snapshot(15, [["100.0", "3.0"]], "rest"), // out of sync: syncs
    ]);
    assert.deepEqual(out, [
      "2 synced 10",
      "3 applied 12",
      "4 checkpoint differs",
      "5 lost discontinuity",
      "6 synced 15",
    ]);
  });

  Deno.test(`${name}Replay() calls an in-sync event already in the book a duplicate, even with unusable levels`, () => {
    const out = run(make(), [
      header,
      snapshot(10, [["100.0", "1.0"]], "rest"),
      event(11, 12, [["100.0", "2.0"]]),
      event(11, 12, [["12.3x", "2.0"]]), // a duplicate: changes nothing, sync kept
      event(13, 14, [["0x10", "1"]]), // cannot be applied: sync lost
      event(15, 16, [["100.0", "2.0"]]),
    ]);
    assert.deepEqual(out, [
      "2 synced 10",
      "3 applied 12",
      "4 duplicate 12 <= 12",
      "5 lost invalid",
    ]);
  });

  Deno.test(`${name}Replay() links a day to the day before by its opening book snapshot`, () => {
    const replay = make();
    const day = [
      header,
      snapshot(10, [["100.0", "1.0"]], "rest"),
      event(11, 12, [["100.0", "2.0"]]),
    ];
    run(replay, day);
    const same = run(replay, [header, snapshot(12, [["100", "2"]], "book")], true);
    assert.deepEqual(same, ["day continues", "2 synced 12 seamless"]);
    const other = run(replay, [header, snapshot(12, [["100", "3"]], "book")], true);
    assert.deepEqual(other, ["day broken", "2 synced 12"]);
    run(replay, [header, snapshot(12, [["100", "3"]], "book"), {
      type: "gap",
      recv: 1,
      lastUpdateId: null,
      reason: "start",
    }]);
    assert.deepEqual(run(replay, [header], true), ["day not-claimed"]);
    run(replay, day);
    assert.deepEqual(run(replay, [header, event(13, 14, [])], true), ["day not-claimed"]);
  });
}

const futuresHeader: ParsedRecord = { ...header, market: "usdm", stream: "btcusdt@depth@0ms" };

function fevent(U: number, u: number, pu: number, b: PriceLevel[]): DepthUpdateRecord {
  return {
    type: "depthUpdate",
    recv: 1,
    E: 1723075200000 + u,
    T: 1723075200000 + u,
    U,
    u,
    pu,
    b,
    a: [],
  };
}

for (const [name, make] of Object.entries(replays)) {
  Deno.test(`${name}Replay() applies the futures rules to a usdm file: u == lastUpdateId, pu continuity`, () => {
    const replay = make();
    const out = run(replay, [
      futuresHeader,
      fevent(1, 5, 0, [["100.0", "1.0"]]), // u < lastUpdateId: dropped
      fevent(8, 10, 5, [["100.0", "2.0"]]), // u == lastUpdateId: the first applied
      snapshot(10, [["100.0", "2.0"]], "rest"),
      fevent(14, 20, 10, [["100.0", "3.0"]]), // U skips, pu continues
      fevent(30, 31, 25, [["100.0", "4.0"]]), // pu break
    ]);
    assert.deepEqual(out, ["4 synced 10", "5 applied 20", "6 lost discontinuity"]);
    // The same file as spot: the first event after the snapshot must have U == 11.
    const spot = run(make(), [
      header,
      fevent(8, 10, 5, [["100.0", "2.0"]]),
      snapshot(10, [["100.0", "2.0"]], "rest"),
      fevent(14, 20, 10, [["100.0", "3.0"]]),
    ]);
    assert.deepEqual(spot, ["3 synced 10", "4 lost discontinuity"]);
  });
}

Deno.test("linkDays: same id and levels continue; another id or other levels break the link", () => {
  // The day before ends in sync with the book of a snapshot at update id 10.
  const before = numericReplay();
  before.startFile({});
  before.record(header, 1);
  before.record(snapshot(10, [["100.0", "1.0"]], "rest"), 2);
  assert.equal(before.inSync, true);
  const final = before.book.snapshot();
  const difference = (b: typeof final, s: SnapshotRecord) => numericDifference(b, s);
  assert.deepEqual(linkDays(final, snapshot(10, [["100.0", "1.0"]], "book"), difference), {
    status: "continues",
    detail: "continues at update id 10",
  });
  const later = linkDays(final, snapshot(13, [["100.0", "1.0"]], "book"), difference);
  assert.deepEqual(later, {
    status: "broken",
    detail: "it opens at update id 13, the day before ends at 10 (update ids 11–13 are missing)",
  });
  const other = linkDays(final, snapshot(10, [["100.0", "2.0"]], "book"), difference);
  assert.equal(other.status, "broken");
  assert.match(other.detail, /^its opening book differs from the day before's final book: /);
  assert.equal(
    other.detail.slice(59),
    numericDifference(final, snapshot(10, [["100.0", "2.0"]], "book")),
  );
});
