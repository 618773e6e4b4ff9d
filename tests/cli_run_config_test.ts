/**
 * End-to-end tests of `collector run`'s configuration checks: everything is rejected before the
 * program starts, with exit 2 and a message naming the flag or file, the key and the value.
 */
import { assertUsageError, collector, type Result } from "./collector_process.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "collector_cli_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

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
