/**
 * A real reader of the exported CSV: Debian's pandas (`/usr/bin/python3`, package python3-pandas,
 * installed by `.ci/run` when missing) loads `collector export`'s incremental_book_L2 rows with
 * inferred types, rebuilds the book from them alone and must find `collector replay`'s top of book
 * at every exchange time.
 */
import assert from "node:assert/strict";
import { collector } from "./helpers/collector_process.ts";
import { realDays, writeDay } from "./helpers/fixtures.ts";

const PYTHON = "/usr/bin/python3";

const READER = `
import sys, json
import pandas as pd
df = pd.read_csv(sys.argv[1], dtype={"price": str, "amount": str})
types = {c: str(t) for c, t in df.dtypes.items()}
bids, asks = {}, {}
in_snapshot = False
tops = {}
for ts, snap, side, price, amount in zip(df.timestamp, df.is_snapshot, df.side, df.price, df.amount):
    if snap and not in_snapshot:
        bids.clear(); asks.clear()
    in_snapshot = bool(snap)
    levels = bids if side == "bid" else asks
    if float(amount) == 0:
        levels.pop(price, None)
    else:
        levels[price] = amount
    b = max(bids, key=float) if bids else None
    a = min(asks, key=float) if asks else None
    tops[int(ts) // 1000] = [b, bids.get(b), a, asks.get(a)]
print(json.dumps({"rows": len(df), "types": types, "gaps": int(df.gap.sum()), "tops": tops}))
`;

Deno.test("pandas reads collector export's CSV with typed columns and rebuilds replay's top of book at every exchange time", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const day of await realDays("ETHUSDT")) await writeDay(dir, day);
    const out = `${dir}/inc.csv`;
    const r = await collector("export", `${dir}/ETHUSDT`, "--out", out, "--quiet");
    assert.equal(r.code, 0, r.stderr);
    const py = await new Deno.Command(PYTHON, { args: ["-c", READER, out] }).output();
    const stderr = new TextDecoder().decode(py.stderr);
    assert.equal(py.code, 0, `pandas (${PYTHON}, python3-pandas) failed: ${stderr}`);
    const read = JSON.parse(new TextDecoder().decode(py.stdout)) as {
      rows: number;
      types: Record<string, string>;
      gaps: number;
      tops: Record<string, [string | null, string | null, string | null, string | null]>;
    };
    assert.deepEqual(read.types, {
      exchange: "object",
      symbol: "object",
      timestamp: "int64",
      local_timestamp: "int64",
      is_snapshot: "bool",
      side: "object",
      price: "object",
      amount: "object",
      gap: "bool",
    });
    assert.ok(read.rows > 1000, `rows: ${read.rows}`);
    // The first sync of the first day is not a gap; the real days continue each other.
    assert.equal(read.gaps, 0);

    const rep = await collector("replay", `${dir}/ETHUSDT`, "--depth", "1");
    assert.equal(rep.code, 0, rep.stderr);
    // time,time_ms,update_id,resync,bid_px,bid_qty,ask_px,ask_qty; the last row per exchange ms.
    const expected = new Map<string, string[]>();
    for (const line of rep.stdout.trimEnd().split("\n").slice(1)) {
      const c = line.split(",");
      expected.set(c[1]!, [c[4]!, c[5]!, c[6]!, c[7]!]);
    }
    assert.ok(expected.size > 1000, `replay times: ${expected.size}`);
    // Every replay time has exported rows (the sync's snapshot rows may add a time of their own).
    for (const [time, top] of expected) {
      assert.deepEqual(read.tops[time], top, `top of book at E=${time}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
