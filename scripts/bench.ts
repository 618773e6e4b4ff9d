/**
 * `deno task bench`: runs every benchmark script under `scripts/bench_*.ts` in turn, each in its own
 * process, and prints their reports. Figures are ratios against baselines measured in the same run;
 * record them in BENCHMARKS.md.
 *
 * @module
 */
const dir = new URL(".", import.meta.url).pathname;
const only = Deno.args;
const scripts = [...Deno.readDirSync(dir)]
  .map((e) => e.name)
  .filter((n) => /^bench_.+\.ts$/.test(n))
  .filter((n) => only.length === 0 || only.some((o) => n.includes(o)))
  .sort();
let failed = 0;
for (const name of scripts) {
  console.log(`\n=== ${name}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${dir}${name}`],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) {
    failed++;
    console.log(`${name} failed with exit code ${code}`);
  }
}
Deno.exit(failed === 0 ? 0 : 1);
