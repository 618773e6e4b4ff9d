/**
 * End-to-end tests of the command line: `main.ts` run with `deno run` and the permission flags the
 * build bakes in, asserting exit code, stdout and stderr separately.
 */
import assert from "node:assert/strict";
import { COMMANDS } from "../lib/commands/index.ts";
import { assertUsageError, collector, type Result } from "./helpers/collector_process.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "collector_cli_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

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

Deno.test("collector <subcommand> --bogus-flag is a usage error naming the flag, for every subcommand", async () => {
  const results = await Promise.all(COMMANDS.map((c) => collector(c.name, "--bogus-flag")));
  COMMANDS.forEach((command, i) => {
    assertUsageError(results[i]!, "--bogus-flag");
    assert.match(results[i]!.stderr, new RegExp(`collector ${command.name} --help`));
  });
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

Deno.test("collector run rejects unknown flags and invalid values before starting, exit 2", async () => {
  const results = await Promise.all([
    collector("run", "--bogus"),
    collector("run", "--symbols", "btc/usdt"),
    collector("run", "--symbols", "btcusdt,../x"),
    collector("run", "--snapshot-limit", "9999"),
    collector("run", "--ws-url", "http://127.0.0.1:1"),
  ]);
  assertUsageError(results[0]!, 'Unknown option "--bogus"');
  assertUsageError(results[1]!, 'Invalid symbol "btc/usdt"', "--symbols");
  assertUsageError(results[2]!, 'Invalid symbol "../x"', "--symbols");
  assertUsageError(results[3]!, '--snapshot-limit "9999"');
  assertUsageError(results[4]!, '--ws-url "http://127.0.0.1:1"');
});

Deno.test("collector run rejects a bad config file, naming the file, key and value, exit 2", async () => {
  await withTempDir(async (dir) => {
    const files: Record<string, string> = {
      "not_json.json": '{"symbols": ["BTCUSDT"],}',
      "unknown_key.json": '{"symbol": ["BTCUSDT"]}',
      "wrong_type.json": '{"snapshotLimit": "5000"}',
      "bad_symbol.json": '{"symbols": ["btc/usdt"]}',
      "path_symbol.json": '{"symbols": ["BTCUSDT", "../x"]}',
    };
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    const run = (name: string) => collector("run", "--config", `${dir}/${name}`);
    const results = await Promise.all(Object.keys(files).map(run));
    const [notJson, unknownKey, wrongType, badSymbol, pathSymbol] = results as [
      Result,
      Result,
      Result,
      Result,
      Result,
    ];
    assertUsageError(notJson, "Cannot parse", "not_json.json");
    assertUsageError(unknownKey, 'Unknown key "symbol"', "unknown_key.json");
    assertUsageError(wrongType, 'snapshotLimit "5000"', "wrong_type.json");
    assertUsageError(badSymbol, 'symbol "btc/usdt"', "symbols", "bad_symbol.json");
    assertUsageError(pathSymbol, 'symbol "../x"', "symbols", "path_symbol.json");
    assertUsageError(await run("missing.json"), "Cannot read config file", "missing.json");
  });
});

Deno.test("collector run merges flags over the config file before checking", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/c.json`, '{"reconnectBaseMs": 5000}');
    const result = await collector("run", "--reconnect-max-ms", "100", "--config", `${dir}/c.json`);
    assertUsageError(result, "reconnectMaxMs 100", "reconnectBaseMs (5000)");
  });
});
