/**
 * End-to-end tests of the command line: `main.ts` run with `deno run` and the permission flags the
 * build bakes in, asserting exit code, stdout and stderr separately.
 */
import assert from "node:assert/strict";
import { COMMANDS } from "../lib/commands/index.ts";
import { assertUsageError, collector } from "./collector_process.ts";

Deno.test("collector <subcommand> --help prints the help on stdout, exit 0, for every subcommand", async () => {
  const results = await Promise.all(COMMANDS.map((c) => collector(c.name, "--help")));
  COMMANDS.forEach((command, i) => {
    const result = results[i]!;
    assert.equal(result.code, 0, `${command.name}: ${result.stderr}`);
    assert.equal(result.stdout, `${command.help}\n`);
    assert.match(result.stdout, new RegExp(`^Usage: collector ${command.name}`));
    assert.equal(result.stderr, "");
  });
  const viaHelp = await collector("help", COMMANDS[0]!.name);
  assert.equal(viaHelp.code, 0);
  assert.equal(viaHelp.stdout, `${COMMANDS[0]!.help}\n`);
});

Deno.test("collector --help lists every subcommand on stdout, exit 0", async () => {
  for (const flag of ["--help", "-h", "help"]) {
    const result = await collector(flag);
    assert.equal(result.code, 0);
    assert.equal(result.stderr, "");
    for (const command of COMMANDS) {
      assert.match(result.stdout, new RegExp(`\\n  ${command.name} `));
    }
  }
});

Deno.test("collector with no subcommand prints the overview on stderr, exit 2", async () => {
  const result = await collector();
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /^collector: /);
  assert.match(result.stderr, /Usage: collector <subcommand>/);
});

Deno.test("collector rejects an unknown subcommand or flag with a one-line hint, exit 2", async () => {
  const [subcommand, flag, help] = await Promise.all([
    collector("record"),
    collector("--record"),
    collector("help", "record"),
  ]);
  assertUsageError(subcommand, 'Unknown subcommand "record"');
  assert.match(subcommand.stderr, /collector --help/);
  assertUsageError(flag, 'Unknown option "--record"');
  assertUsageError(help, 'Unknown subcommand "record"');
});

Deno.test("collector version prints the version, exit 0", async () => {
  const { VERSION } = await import("../lib/version.ts");
  for (const args of [["version"], ["--version"]]) {
    const result = await collector(...args);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, `collector ${VERSION} (deno ${Deno.version.deno})\n`);
    assert.equal(result.stderr, "");
  }
  assertUsageError(await collector("version", "--bogus"), '"--bogus"');
});
