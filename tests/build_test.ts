/**
 * Tests of `deno task build`. Building a real binary needs a `denort` base binary: it runs only when
 * `DENORT_BIN` names one, and says so when it is skipped.
 */
import assert from "node:assert/strict";
import { VERSION } from "../lib/version.ts";
import { compileArgs, DEFAULT_TARGET } from "../scripts/build.ts";
import { MAIN_PATH, permissionFlags } from "../scripts/permission_flags.ts";
import { realDays, writeDay } from "./helpers/fixtures.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const DENORT_BIN = Deno.env.get("DENORT_BIN");

async function build(args: string[], env: Record<string, string>, clearEnv = false) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", "build", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    clearEnv,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** A 127.0.0.1 port nothing listens on. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

Deno.test("compileArgs() bakes in the collector's permissions, x86_64 Linux and dist/collector", () => {
  const args = compileArgs([]);
  assert.deepEqual(args.slice(0, 1 + permissionFlags().length), ["compile", ...permissionFlags()]);
  assert.ok(permissionFlags().includes("--allow-net"));
  assert.ok(!args.includes("--allow-all") && !args.includes("-A"));
  assert.deepEqual(args.slice(-5), [
    "--target",
    DEFAULT_TARGET,
    "--output",
    `${ROOT}dist/collector`,
    MAIN_PATH,
  ]);
});

Deno.test("compileArgs() passes --target, --output and other options through", () => {
  const args = compileArgs(["--target=aarch64-unknown-linux-gnu", "-o", "x", "--no-check"]);
  assert.deepEqual(args.slice(-5), [
    "--target=aarch64-unknown-linux-gnu",
    "-o",
    "x",
    "--no-check",
    MAIN_PATH,
  ]);
  assert.ok(!args.includes(DEFAULT_TARGET));
});

Deno.test("build fails with a clear error naming DENORT_BIN, when it is not a file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "collector_build_test_" });
  try {
    const missing = `${dir}/no/such/denort`;
    const result = await build(["--output", `${dir}/collector`], { DENORT_BIN: missing });
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /error: DENORT_BIN is set to "[^"]+no\/such\/denort", which is not/,
    );
    assert.match(result.stderr, /Set DENORT_BIN=\/path\/to\/denort/);
    assert.equal(await exists(`${dir}/collector`), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * A DENO_DIR sharing the real one's module and npm caches but not its downloads (`dl/`, where a
 * denort would be cached), after `deno install` has made sure the npm packages are cached.
 */
async function denoDirWithoutDownloads(dir: string): Promise<string> {
  const install = await new Deno.Command(Deno.execPath(), {
    args: ["install"],
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(install.code, 0, new TextDecoder().decode(install.stderr));
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
  })
    .output();
  const real = (JSON.parse(new TextDecoder().decode(info.stdout)) as { denoDir: string }).denoDir;
  const denoDir = `${dir}/deno_dir`;
  await Deno.mkdir(denoDir);
  for (const name of ["npm", "remote"]) {
    if (await exists(`${real}/${name}`)) {
      await Deno.symlink(`${real}/${name}`, `${denoDir}/${name}`);
    }
  }
  return denoDir;
}

Deno.test("build explains how to set DENORT_BIN, when denort cannot be downloaded", async () => {
  const dir = await Deno.makeTempDir({ prefix: "collector_build_test_" });
  try {
    const proxy = `http://127.0.0.1:${closedPort()}`;
    // No cached denort, and every download fails at once through a proxy that is not there.
    const result = await build(["--no-check", "--output", `${dir}/collector`], {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? dir,
      DENO_DIR: await denoDirWithoutDownloads(dir),
      HTTPS_PROXY: proxy,
      HTTP_PROXY: proxy,
    }, true);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /could not download the denort base binary/);
    assert.match(result.stderr, /Set DENORT_BIN=\/path\/to\/denort/);
    assert.equal(await exists(`${dir}/collector`), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build fails naming DENORT_BIN, when it is a file but not a denort (the full deno binary)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "collector_build_test_" });
  try {
    // The full `deno` compiles without error, but the result ignores the program (a REPL).
    const result = await build(["--no-check", "--output", `${dir}/collector`], {
      DENORT_BIN: Deno.execPath(),
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /does not run as the collector/);
    assert.match(result.stderr, /DENORT_BIN=".+" is probably not a denort binary/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

if (DENORT_BIN === undefined) {
  console.log("build_test: DENORT_BIN is not set, so building a real binary is skipped (ignored).");
}

Deno.test({
  name: "build compiles a binary that runs 'version' and 'verify', when DENORT_BIN names a denort",
  ignore: DENORT_BIN === undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "collector_build_test_" });
    try {
      const binary = `${dir}/collector`;
      const result = await build(["--output", binary], {});
      assert.equal(result.code, 0, result.stderr);
      const run = await new Deno.Command(binary, { args: ["version"], stdout: "piped" }).output();
      assert.equal(run.code, 0);
      assert.match(new TextDecoder().decode(run.stdout), new RegExp(`^collector ${VERSION} `));
      // The binary verifies a real recording (whole: exit 0) and a damaged copy (exit 1).
      const days = await realDays("BTCUSDT");
      const path = await writeDay(`${dir}/data`, days[1]!);
      const whole = await new Deno.Command(binary, { args: ["verify", path], stdout: "piped" })
        .output();
      assert.equal(whole.code, 0, new TextDecoder().decode(whole.stdout));
      const bytes = await Deno.readFile(path);
      await Deno.writeFile(path, bytes.subarray(0, bytes.length - 100));
      const torn = await new Deno.Command(binary, { args: ["verify", path], stdout: "piped" })
        .output();
      assert.equal(torn.code, 1);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
