import assert from "node:assert/strict";
import { collector } from "./helpers/collector_process.ts";

Deno.test("collector demo records through drops and a withheld event, and verify passes with the gaps marked", async () => {
  const dir = await Deno.makeTempDir({ prefix: "demo-test-" });
  try {
    const result = await collector("demo", "--seconds", "12", "--dir", dir);
    assert.equal(result.code, 0, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
    // The faults were injected, and verify saw each of them as a marked gap, not damage.
    assert.match(result.stdout, /injecting a fault: every connection dropped/);
    assert.match(result.stdout, /injecting a fault: one of the two connections dropped/);
    assert.match(result.stdout, /injecting a fault: one ETHUSDT event withheld/);
    // Losing both connections is a gap in every file; losing one of the two is none.
    for (const symbol of ["BTCUSDT", "ETHUSDT", "BNBUSDT"]) {
      const part = result.stdout.slice(result.stdout.indexOf(`${symbol}/`));
      const file = part.slice(0, part.indexOf("\nok ") === -1 ? undefined : part.indexOf("\nok "));
      assert.equal(file.match(/gap line \d+: disconnect/g)?.length, 1, `${symbol}: ${file}`);
    }
    assert.match(result.stdout, /3 files: 3 whole, 0 damaged/);
    const eth = result.stdout.slice(result.stdout.indexOf("ETHUSDT/"));
    assert.match(eth, /gap line \d+: disconnect/);
    assert.match(eth, /gap line \d+: sequence \(expected U=\d+ got U=\d+\)/);
    assert.match(result.stdout, new RegExp(`files are in ${dir}`));
    // The files are there and standard gzip readers accept them.
    for (const symbol of ["BTCUSDT", "ETHUSDT", "BNBUSDT"]) {
      const files = [...Deno.readDirSync(`${dir}/${symbol}`)].map((e) => e.name);
      const data = files.filter((n) => n.endsWith("_dom.jsonl.gz"));
      assert.equal(data.length, 1, `${symbol}: ${files}`);
      const gzip = await new Deno.Command("gzip", { args: ["-t", `${dir}/${symbol}/${data[0]}`] })
        .output();
      assert.equal(gzip.code, 0, `gzip -t ${symbol}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector demo rejects a bad --seconds with exit 2", async () => {
  const result = await collector("demo", "--seconds", "abc");
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Invalid --seconds "abc"/);
});
