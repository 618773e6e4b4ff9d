import assert from "node:assert/strict";
import { assertUsageError, collector as runCollector } from "./helpers/collector_process.ts";
import { realDays, writeDay } from "./helpers/fixtures.ts";

const collector = (args: string[]) => runCollector(...args);

const HEADER = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount,gap";

/** A book rebuilt from incremental_book_L2 rows alone, the way a tardis reader does. */
class RebuiltBook {
  bids = new Map<string, string>();
  asks = new Map<string, string>();
  #inSnapshot = false;

  apply(isSnapshot: boolean, side: string, price: string, amount: string): void {
    if (isSnapshot && !this.#inSnapshot) {
      this.bids.clear();
      this.asks.clear();
    }
    this.#inSnapshot = isSnapshot;
    const levels = side === "bid" ? this.bids : this.asks;
    if (Number(amount) === 0) levels.delete(price);
    else levels.set(price, amount);
  }

  best(side: "bid" | "ask"): string {
    const levels = side === "bid" ? this.bids : this.asks;
    let best: string | undefined;
    for (const p of levels.keys()) {
      if (
        best === undefined || (side === "bid" ? Number(p) > Number(best) : Number(p) < Number(best))
      ) {
        best = p;
      }
    }
    return best === undefined ? "" : `${best},${levels.get(best)}`;
  }
}

Deno.test("collector export writes incremental_book_L2 CSV whose rebuilt top of book equals collector replay at every event time", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const day of await realDays("ETHUSDT")) await writeDay(dir, day);
    const out = `${dir}/inc.csv`;
    const r = await collector(["export", `${dir}/ETHUSDT`, "--format", "csv", "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /export: \d+ rows in [\d.]+ s, [\d.]+ MB\/s/);
    const lines = (await Deno.readTextFile(out)).trimEnd().split("\n");
    assert.equal(lines[0], HEADER);
    const rep = await collector(["replay", `${dir}/ETHUSDT`, "--depth", "1"]);
    assert.equal(rep.code, 0, rep.stderr);
    // Last replay row per exchange time (ms): time,time_ms,update_id,resync,bid_px,bid_qty,ask_px,ask_qty.
    const expected = new Map<number, string>();
    for (const l of rep.stdout.trimEnd().split("\n").slice(1)) {
      const c = l.split(",");
      expected.set(Number(c[1]), `${c[4]},${c[5]}|${c[6]},${c[7]}`);
    }
    assert.ok(expected.size > 1000, `replay times: ${expected.size}`);
    const book = new RebuiltBook();
    let i = 1;
    let compared = 0;
    let snapshots = 0;
    for (const [time, top] of expected) {
      for (; i < lines.length; i++) {
        const c = lines[i]!.split(",");
        assert.equal(c.length, 9, lines[i]!);
        assert.equal(c[0], "binance");
        assert.equal(c[1], "ETHUSDT");
        const ts = Number(c[2]);
        assert.ok(Number.isInteger(ts) && Number.isInteger(Number(c[3])));
        if (ts / 1000 > time) break;
        if (c[4] === "true" && (i === 1 || lines[i - 1]!.split(",")[4] === "false")) snapshots++;
        book.apply(c[4] === "true", c[5]!, c[6]!, c[7]!);
      }
      assert.equal(`${book.best("bid")}|${book.best("ask")}`, top, `at E=${time}`);
      compared++;
    }
    assert.equal(i, lines.length, "every exported row is at or before replay's last row");
    assert.equal(compared, expected.size);
    assert.ok(snapshots >= 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector export marks a gap (a removed event) with gap=true snapshot rows, and reports a damaged file with exit 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const [day] = await realDays("ETHUSDT");
    const lines = [...day!.lines];
    const at = lines.findIndex((l, n) => n > 400 && l.includes('"depthUpdate"'));
    lines.splice(at, 1);
    await writeDay(dir, { ...day!, lines });
    const out = `${dir}/inc.csv`;
    const r = await collector(["export", `${dir}/ETHUSDT`, "--out", out, "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const rows = (await Deno.readTextFile(out)).trimEnd().split("\n").slice(1);
    const gaps = rows.filter((l) => l.endsWith(",true"));
    assert.equal(gaps.length, 1, "one gap row");
    assert.equal(gaps[0]!.split(",")[4], "true", "the gap row is a snapshot row");
    assert.ok(rows.indexOf(gaps[0]!) > 0, "rows before the gap");

    // A damaged gzip member in the middle: warned, exit 1, a gap after it, never bridged.
    const damaged = `${dir}/d`;
    await writeDay(damaged, day!, {
      bytes: (gz) => {
        const copy = gz.slice();
        for (let k = Math.floor(copy.length / 2); k < copy.length / 2 + 64; k++) copy[k] = 0;
        return copy;
      },
    });
    const d = await collector(["export", `${damaged}/ETHUSDT`, "--out", `${dir}/d.csv`, "--quiet"]);
    assert.equal(d.code, 1, d.stderr);
    assert.match(d.stderr, /warning: .*_dom\.jsonl\.gz/);
    const drows = (await Deno.readTextFile(`${dir}/d.csv`)).trimEnd().split("\n").slice(1);
    await writeDay(`${dir}/w`, day!);
    const w = await collector(["export", `${dir}/w/ETHUSDT`, "--out", `${dir}/w.csv`, "--quiet"]);
    assert.equal(w.code, 0, w.stderr);
    const wrows = (await Deno.readTextFile(`${dir}/w.csv`)).trimEnd().split("\n").slice(1);
    // Up to the damage the rows are the undamaged file's; after it either nothing (no snapshot
    // came) or a gap=true snapshot row: the damage is never bridged.
    let k = 0;
    while (k < drows.length && drows[k] === wrows[k]) k++;
    assert.ok(k < wrows.length, "the damage removed rows");
    if (k < drows.length) assert.ok(drows[k]!.endsWith(",true,true"), `row ${k}: ${drows[k]}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector export refuses bad arguments with exit 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const day of await realDays("ETHUSDT")) await writeDay(dir, day);
    for (
      const [bad, part] of [
        [["export"], "file or directory"],
        [["export", `${dir}/ETHUSDT`], "--out"],
        [["export", `${dir}/ETHUSDT`, "--out", `${dir}/x`, "--format", "xlsx"], "xlsx"],
        [["export", `${dir}/ETHUSDT`, "--out", `${dir}/x`, "--kind", "bogus"], "bogus"],
        [["export", `${dir}/ETHUSDT`, "--out", `${dir}/x`, "--bogus"], "bogus"],
      ] as const
    ) {
      const res = await collector([...bad]);
      assertUsageError(res);
      assert.ok(res.stderr.includes(part), `${bad.join(" ")}: ${res.stderr}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
