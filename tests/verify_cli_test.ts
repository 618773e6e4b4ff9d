import assert from "node:assert/strict";
import { collector as runCollector } from "./helpers/collector_process.ts";
import { realDays, writeDay } from "./helpers/fixtures.ts";

const collector = (args: string[]) => runCollector(...args);

Deno.test("collector verify exits 0 on whole files, 1 naming the damage, 2 on unusable paths", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const days = await realDays("BTCUSDT");
    for (const day of days) await writeDay(dir, day);
    const ok = await collector(["verify", dir]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /2 files: 2 whole, 0 damaged, 1 marked gap: every file is whole/);
    assert.equal((await collector(["verify", "--strict", dir])).code, 1);

    const json = await collector(["verify", "--json", dir]);
    assert.equal(json.code, 0);
    const report = JSON.parse(json.stdout);
    assert.equal(report.files[1].continuity.status, "continues");
    assert.equal(report.exitCode, 0);

    const day = days[1]!;
    const i = day.lines.findIndex((l, j) => j > 50 && l.startsWith('{"type":"depthUpdate"'));
    day.lines.splice(i, 1);
    const path = await writeDay(dir, day);
    const bad = await collector(["verify", path]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, new RegExp(`DAMAGED .*2024-08-09_dom.jsonl.gz`));
    assert.match(bad.stdout, new RegExp(`discontinuity \\[line ${i + 1}, byte \\d+, 2024-08-09T`));

    const missing = await collector(["verify", `${dir}/nope`]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Cannot read/);
    await Deno.writeTextFile(`${dir}/notes.txt`, "hi");
    assert.equal((await collector(["verify", `${dir}/notes.txt`])).code, 2);
    const flag = await collector(["verify", "--fast", dir]);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /hint: /);
    assert.equal((await collector(["verify"])).code, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
