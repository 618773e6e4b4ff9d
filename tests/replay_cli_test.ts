import assert from "node:assert/strict";
import { collector as runCollector } from "./helpers/collector_process.ts";
import { realDays, writeDay } from "./helpers/fixtures.ts";

const collector = (args: string[]) => runCollector(...args);

Deno.test("collector replay writes CSV pandas can read, and refuses bad arguments with exit 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const day of await realDays("ETHUSDT")) await writeDay(dir, day);
    const out = `${dir}/book.csv`;
    const r = await collector([
      "replay",
      `${dir}/ETHUSDT`,
      "--depth",
      "2",
      "--every",
      "1s",
      "--to",
      "2024-08-09T00:00:00Z",
      "--out",
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = (await Deno.readTextFile(out)).trimEnd().split("\n");
    assert.equal(
      lines[0],
      "time,time_ms,update_id,resync,bid1_px,bid1_qty,bid2_px,bid2_qty,ask1_px,ask1_qty,ask2_px,ask2_qty",
    );
    assert.equal(lines.at(-1)!.slice(0, 24), "2024-08-08T23:59:59.000Z");
    assert.ok(lines.length > 300 && lines.every((l) => l.split(",").length === 12));
    const jsonl = await collector([
      "replay",
      dir + "/ETHUSDT",
      "--depth",
      "1",
      "--format",
      "jsonl",
    ]);
    assert.equal(jsonl.code, 0, jsonl.stderr);
    const first = JSON.parse(jsonl.stdout.split("\n")[0]!);
    assert.deepEqual(Object.keys(first), [
      "time",
      "time_ms",
      "update_id",
      "resync",
      "bids",
      "asks",
    ]);
    for (
      const bad of [
        ["replay", dir],
        ["replay", dir, "--depth", "0"],
        ["replay", `${dir}/ETHUSDT`, "--depth", "5", "--every", "soon"],
        ["replay", `${dir}/ETHUSDT`, "--depth", "5", "--from", "yesterday"],
        ["replay", `${dir}/ETHUSDT`, "--depth", "5", "--bogus"],
      ]
    ) {
      const res = await collector(bad);
      assert.equal(res.code, 2, `${bad.join(" ")}: ${res.stderr}`);
      assert.match(res.stderr, /^error: /);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
