/**
 * Tests of `scripts/deno.sh`, the one script that provides the pinned Deno (CI uses it). They use a
 * Deno already at hand and never install one.
 */
import assert from "node:assert/strict";

const SCRIPT = new URL("../scripts/deno.sh", import.meta.url).pathname;
const PINNED = /^DENO_VERSION=(\S+)$/m.exec(await Deno.readTextFile(SCRIPT))?.[1];

async function denoSh(args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command("bash", {
    args: [SCRIPT, ...args],
    env: { ...env, PATH: `${Deno.execPath().replace(/\/[^/]*$/, "")}:${Deno.env.get("PATH")}` },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("scripts/deno.sh --path prints a deno of the pinned version", async () => {
  assert.ok(PINNED, "DENO_VERSION= line in scripts/deno.sh");
  const { code, stdout, stderr } = await denoSh(["--path"]);
  assert.equal(code, 0, stderr);
  const version = await new Deno.Command(stdout.trim(), { args: ["--version"], stdout: "piped" })
    .output();
  assert.match(new TextDecoder().decode(version.stdout), new RegExp(`^deno ${PINNED} \\(`));
});

Deno.test("scripts/deno.sh skips a DENO of another version", async () => {
  const dir = await Deno.makeTempDir({ prefix: "collector_deno_sh_test_" });
  try {
    const fake = `${dir}/deno`;
    await Deno.writeTextFile(fake, "#!/bin/sh\necho 'deno 1.0.0 (stable)'\n");
    await Deno.chmod(fake, 0o755);
    const { code, stdout, stderr } = await denoSh(["--path"], { DENO: fake });
    assert.equal(code, 0, stderr);
    assert.notEqual(stdout.trim(), fake);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scripts/deno.sh runs deno with its arguments and passes its exit code", async () => {
  const ok = await denoSh(["eval", "console.log(6 * 7)"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, "42\n");
  const failed = await denoSh(["eval", "Deno.exit(3)"]);
  assert.equal(failed.code, 3);
});
