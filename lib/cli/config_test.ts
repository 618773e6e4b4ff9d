import assert from "node:assert/strict";
import { configHelp, DEFAULT_CONFIG, loadConfig, parseConfigFile } from "./config.ts";
import { DEFAULT_ALERTS, flagOf } from "./config_fields.ts";
import { UsageError } from "../util/errors.ts";
import { validateSymbol } from "../util/symbol.ts";

/** Asserts that `fn` throws a UsageError whose message contains every one of `parts`. */
function assertUsage(fn: () => unknown, ...parts: string[]): UsageError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof UsageError, `expected a UsageError, got ${caught}`);
  for (const part of parts) {
    assert.ok(caught.message.includes(part), `"${caught.message}" lacks ${part}`);
  }
  assert.ok(caught.hint && !caught.hint.includes("\n"), "a one-line hint");
  return caught;
}

async function assertUsageAsync(promise: Promise<unknown>, ...parts: string[]): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assertUsage(() => {
    if (caught !== undefined) throw caught;
  }, ...parts);
}

Deno.test("validateSymbol() upper-cases letters and digits", () => {
  assert.equal(validateSymbol("btcusdt"), "BTCUSDT");
  assert.equal(validateSymbol("1000SATSusdt"), "1000SATSUSDT");
});

Deno.test("validateSymbol() rejects separators, paths and empty names, naming the value", () => {
  for (
    const bad of [
      "btc/usdt",
      "../x",
      "",
      "btc usdt",
      "btc-usdt",
      "BTC\u0000",
      "ΒΤC",
      "a".repeat(33),
    ]
  ) {
    assert.throws(() => validateSymbol(bad), (error: Error) => {
      assert.ok(error instanceof UsageError);
      assert.equal(
        error.message,
        `Invalid symbol ${JSON.stringify(bad)}: expected letters and digits`,
      );
      return true;
    });
  }
});

Deno.test("loadConfig() returns the defaults, when given no arguments", async () => {
  const { config, rest } = await loadConfig([]);
  assert.deepEqual(config, DEFAULT_CONFIG);
  assert.deepEqual(rest, []);
  assert.notEqual(config.symbols, DEFAULT_CONFIG.symbols, "a copy, not the frozen defaults");
});

Deno.test("config.example.json holds exactly the defaults", async () => {
  const text = await Deno.readTextFile(new URL("../../config.example.json", import.meta.url));
  assert.deepEqual(parseConfigFile(text, "config.example.json"), DEFAULT_CONFIG);
  assert.deepEqual(Object.keys(JSON.parse(text)), Object.keys(DEFAULT_CONFIG));
});

Deno.test("loadConfig() takes streams: any of the four kinds, at least one, none unknown", async () => {
  const { config } = await loadConfig(["--streams=trade,aggTrade,trade"]);
  assert.deepEqual(config.streams, ["trade", "aggTrade"]);
  for (const bad of ["--streams=", "--streams=depth,trades"]) {
    await assert.rejects(loadConfig([bad]), /streams/);
  }
});

Deno.test("loadConfig() applies every flag", async () => {
  const { config, rest } = await loadConfig([
    "--market=spot",
    "--symbols=btcusdt,ethbtc,btcusdt",
    "--quote-assets",
    "usdt,fdusd",
    "--data-dir=/tmp/d",
    "--ws-url=ws://127.0.0.1:9/",
    "--rest-url=http://127.0.0.1:9",
    "--speed=1000ms",
    "--streams=bookTicker,depth,trade",
    "--snapshot-limit=100",
    "--max-streams-per-connection=2",
    "--redundancy=3",
    "--rollover-after-ms=500",
    "--silence-timeout-ms=50",
    "--reconnect-base-ms=10",
    "--reconnect-max-ms=20",
    "--weight-budget-share=.25",
    "--max-buffered-events=7",
    "--flush-interval-ms=5",
    "--no-fsync",
    "--max-pending-bytes=1024",
    "--checkpoint-interval-ms=6e4",
    "--log-format=json",
    "--verbose",
    "--status-interval-ms=0",
    "--metrics-addr=127.0.0.1:0",
    "--clock-check-interval-ms=0",
    '--on-rotate=["/bin/echo","rotated"]',
    "--retention-days=30",
    '--alerts={"webhook":"http://127.0.0.1:9/hook"}',
    "--shard=1/3",
  ]);
  assert.deepEqual(config, {
    market: "spot",
    symbols: ["BTCUSDT", "ETHBTC"],
    quoteAssets: ["USDT", "FDUSD"],
    dataDir: "/tmp/d",
    wsUrl: "ws://127.0.0.1:9/",
    restUrl: "http://127.0.0.1:9",
    speed: "1000ms",
    streams: ["depth", "trade", "bookTicker"],
    snapshotLimit: 100,
    maxStreamsPerConnection: 2,
    redundancy: 3,
    rolloverAfterMs: 500,
    silenceTimeoutMs: 50,
    reconnectBaseMs: 10,
    reconnectMaxMs: 20,
    weightBudgetShare: 0.25,
    maxBufferedEvents: 7,
    flushIntervalMs: 5,
    fsync: false,
    maxPendingBytes: 1024,
    checkpointIntervalMs: 60000,
    logFormat: "json",
    logLevel: "verbose",
    statusIntervalMs: 0,
    metricsAddr: "127.0.0.1:0",
    clockCheckIntervalMs: 0,
    onRotate: ["/bin/echo", "rotated"],
    retentionDays: 30,
    alerts: { webhook: "http://127.0.0.1:9/hook", ...DEFAULT_ALERTS },
    shard: { index: 1, count: 3 },
  });
  assert.deepEqual(rest, []);
});

Deno.test("loadConfig() names the key of a bad shard", async () => {
  for (
    const [args, message] of [
      [["--shard=3/3"], /Invalid --shard "3\/3": expected "I\/N" with 0 <= I < N/],
      [["--shard=a"], /Invalid --shard "a"/],
    ] as const
  ) {
    await assert.rejects(loadConfig([...args]), message);
  }
  assert.throws(
    () => parseConfigFile('{"shard":3}', "c.json"),
    /Invalid shard 3 in config file "c.json"/,
  );
  assert.deepEqual(parseConfigFile('{"shard":"0/2"}', "c.json").shard, { index: 0, count: 2 });
});

Deno.test("loadConfig() lets the last of repeated or opposite flags win", async () => {
  const a = await loadConfig(["--no-fsync", "--fsync", "--verbose", "--quiet", "--speed=1000ms"]);
  assert.equal(a.config.fsync, true);
  assert.equal(a.config.logLevel, "quiet");
  const b = await loadConfig([
    "--quiet",
    "--log-level=info",
    "--symbols=ALL",
    "--on-rotate=/bin/true",
  ]);
  assert.equal(b.config.logLevel, "info");
  assert.equal(b.config.symbols, "all");
  assert.deepEqual(b.config.onRotate, ["/bin/true"]);
});

Deno.test("loadConfig() reads --config FILE and lets flags override it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/c.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        symbols: ["solusdt"],
        snapshotLimit: 1000,
        fsync: false,
        metricsAddr: null,
      }),
    );
    const { config, rest } = await loadConfig([
      "--snapshot-limit",
      "50",
      "--config",
      path,
      "extra",
    ]);
    assert.deepEqual(config.symbols, ["SOLUSDT"]);
    assert.equal(config.snapshotLimit, 50, "the flag wins whatever its position");
    assert.equal(config.fsync, false);
    assert.equal(config.speed, DEFAULT_CONFIG.speed);
    assert.deepEqual(rest, ["extra"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadConfig() rejects a missing config file, naming it", async () => {
  await assertUsageAsync(
    loadConfig(["--config", "/nonexistent/collector.json"]),
    "Cannot read config file",
    "/nonexistent/collector.json",
  );
});

Deno.test('loadConfig() takes snapshotLimit "auto" (the default) and redundancy', async () => {
  assert.equal((await loadConfig([])).config.snapshotLimit, "auto");
  assert.equal((await loadConfig([])).config.redundancy, 2);
  const { config } = await loadConfig(["--snapshot-limit", "auto", "--redundancy", "1"]);
  assert.equal(config.snapshotLimit, "auto");
  assert.equal(config.redundancy, 1);
});

Deno.test("loadConfig() rejects unknown flags and missing values with a one-line hint", async () => {
  await assertUsageAsync(loadConfig(["--symbol", "btcusdt"]), 'Unknown option "--symbol"');
  await assertUsageAsync(loadConfig(["--data-dir"]), "--data-dir");
  await assertUsageAsync(loadConfig(["--fsync=no"]), "--fsync");
});

Deno.test("loadConfig() rejects invalid flag values, naming the flag and the value", async () => {
  const cases: [string[], string[]][] = [
    [["--symbols", "btc/usdt"], ['symbol "btc/usdt"', "--symbols", "letters and digits"]],
    [["--symbols", "btcusdt,../x"], ['symbol "../x"', "--symbols"]],
    [["--symbols", ""], ['--symbols ""']],
    [["--quote-assets", "us-dt"], ['quote asset "us-dt"', "--quote-assets"]],
    [["--snapshot-limit", "5001"], ['--snapshot-limit "5001"', "from 1 to 5000"]],
    [["--snapshot-limit", "1.5"], ['--snapshot-limit "1.5"']],
    [["--snapshot-limit", "abc"], ['--snapshot-limit "abc"', '"auto" or an integer']],
    [["--snapshot-limit", "AUTO"], ['--snapshot-limit "AUTO"']],
    [["--redundancy", "0"], ['--redundancy "0"', "from 1 to 4"]],
    [["--redundancy", "5"], ['--redundancy "5"']],
    [["--snapshot-limit=-1"], ['--snapshot-limit "-1"']],
    [["--snapshot-limit=0x10"], ['--snapshot-limit "0x10"']],
    [["--snapshot-limit= 10"], ['--snapshot-limit " 10"']],
    [["--max-streams-per-connection", "1025"], ['"1025"', "1024"]],
    [["--rollover-after-ms", "86400000"], ['--rollover-after-ms "86400000"']],
    [["--silence-timeout-ms", "0"], ['--silence-timeout-ms "0"']],
    [["--status-interval-ms", "2147483648"], ['--status-interval-ms "2147483648"', "2147483647"]],
    [["--reconnect-max-ms", "1e12"], ['--reconnect-max-ms "1e12"']],
    [["--weight-budget-share", "0"], ['--weight-budget-share "0"']],
    [["--weight-budget-share", "1.5"], ['--weight-budget-share "1.5"']],
    [["--ws-url", "https://stream.binance.com"], [
      '--ws-url "https://stream.binance.com"',
      "wss://",
    ]],
    [["--ws-url", "wss://x/stream?streams=a"], ["--ws-url"]],
    [["--rest-url", "ftp://x"], ['--rest-url "ftp://x"']],
    [["--rest-url", "api.binance.com"], ['--rest-url "api.binance.com"']],
    [["--speed", "10ms"], ['--speed "10ms"', '"100ms" or "1000ms"']],
    [["--log-format", "xml"], ['--log-format "xml"']],
    [["--log-level", "debug"], ['--log-level "debug"']],
    [["--metrics-addr", "host:9464:1"], ['--metrics-addr "host:9464:1"']],
    [["--metrics-addr", "localhost"], ['--metrics-addr "localhost"']],
    [["--metrics-addr", "localhost:99999"], ['--metrics-addr "localhost:99999"']],
    [["--on-rotate", "[]"], ['--on-rotate "[]"']],
    [["--on-rotate", '["x",1]'], ["--on-rotate"]],
    [["--retention-days", "-3"], ["--retention-days"]],
    [["--data-dir", ""], ['--data-dir ""']],
    [["--reconnect-base-ms", "5000", "--reconnect-max-ms", "100"], ["reconnectMaxMs 100", "5000"]],
  ];
  for (const [args, parts] of cases) await assertUsageAsync(loadConfig(args), ...parts);
});

Deno.test("parseConfigFile() rejects text that is not a JSON object, naming the file", () => {
  assertUsage(() => parseConfigFile("{bad", "/etc/c.json"), "Cannot parse", '"/etc/c.json"');
  assertUsage(() => parseConfigFile("", "/etc/c.json"), '"/etc/c.json"');
  assertUsage(() => parseConfigFile("[1]", "c.json"), '"c.json"', "JSON object");
  assertUsage(() => parseConfigFile("null", "c.json"), '"c.json"', "JSON object");
});

Deno.test("parseConfigFile() rejects unknown keys, wrong types and invalid values", () => {
  const cases: [unknown, string[]][] = [
    [{ symbol: ["BTCUSDT"] }, ['Unknown key "symbol"']],
    [{ __proto__x: 1 }, ['Unknown key "__proto__x"']],
    [{ symbols: ["btc/usdt"] }, ['symbol "btc/usdt"', "symbols"]],
    [{ symbols: ["../x"] }, ['symbol "../x"', "symbols"]],
    [{ symbols: [] }, ["symbols []"]],
    [{ symbols: "BTCUSDT" }, ['symbols "BTCUSDT"']],
    [{ symbols: [42] }, ["symbol 42"]],
    [{ snapshotLimit: "5000" }, ['snapshotLimit "5000"']],
    [{ snapshotLimit: 0 }, ["snapshotLimit 0"]],
    [{ fsync: "yes" }, ['fsync "yes"', "true or false"]],
    [{ fsync: null }, ["fsync null"]],
    [{ quoteAssets: "USDT" }, ['quoteAssets "USDT"']],
    [{ wsUrl: "not a url" }, ['wsUrl "not a url"']],
    [{ weightBudgetShare: "0.5" }, ['weightBudgetShare "0.5"']],
    [{ onRotate: "/bin/true" }, ['onRotate "/bin/true"']],
    [{ metricsAddr: 9464 }, ["metricsAddr 9464"]],
    [{ logLevel: "verbose ", speed: "100ms" }, ['logLevel "verbose "']],
  ];
  for (const [value, parts] of cases) {
    assertUsage(() => parseConfigFile(JSON.stringify(value), "c.json"), ...parts, '"c.json"');
  }
});

Deno.test("parseConfigFile() returns only the keys present, normalised", () => {
  assert.deepEqual(
    parseConfigFile('{"symbols":"ALL","quoteAssets":["usdt"],"onRotate":["gzip","-t"]}', "c.json"),
    { symbols: "all", quoteAssets: ["USDT"], onRotate: ["gzip", "-t"] },
  );
  assert.deepEqual(parseConfigFile("{}", "c.json"), {});
});

Deno.test("configHelp() lists a flag for every key", () => {
  const help = configHelp();
  for (const key of Object.keys(DEFAULT_CONFIG)) {
    assert.ok(help.includes(flagOf(key)), `help lacks ${flagOf(key)}`);
  }
  for (const flag of ["--config", "--no-fsync", "--quiet", "--verbose"]) {
    assert.ok(help.includes(flag));
  }
});

Deno.test("README.md's configuration table gives every key its flag and default", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const rows = readme.split("\n").filter((line) => line.startsWith("| `"));
  for (const [key, value] of Object.entries(DEFAULT_CONFIG)) {
    const row = rows.find((line) => line.startsWith(`| \`${key}\``));
    assert.ok(row, `README.md has no row for ${key}`);
    assert.ok(row.includes(`\`${flagOf(key)}`), `the row of ${key} lacks ${flagOf(key)}`);
    assert.ok(row.includes(`\`${JSON.stringify(value)}\``), `the row of ${key} lacks its default`);
  }
});

Deno.test("loadConfig() accepts every metrics address form the endpoint listens on", async () => {
  for (
    const addr of ["127.0.0.1:9464", "0.0.0.0:9464", "[::1]:9464", ":9464", "9464", "localhost:0"]
  ) {
    const { config } = await loadConfig(["--metrics-addr", addr]);
    assert.equal(config.metricsAddr, addr);
  }
});

Deno.test("parseConfigFile() fills in alerts' defaults and keeps what is given", () => {
  const { alerts } = parseConfigFile(
    JSON.stringify({
      alerts: {
        webhook: "https://api.telegram.org/bot1:x/sendMessage",
        format: "telegram",
        chatId: -100123,
        host: "rec-1",
        outOfSyncMs: 60_000,
        gapsPerHour: 0,
        minFreeBytes: 0,
        dailySummary: false,
      },
    }),
    "c.json",
  );
  assert.deepEqual(alerts, {
    ...DEFAULT_ALERTS,
    webhook: "https://api.telegram.org/bot1:x/sendMessage",
    format: "telegram",
    chatId: -100123,
    host: "rec-1",
    outOfSyncMs: 60_000,
    gapsPerHour: 0,
    minFreeBytes: 0,
    dailySummary: false,
  });
  assert.equal(parseConfigFile('{"alerts":null}', "c.json").alerts, null);
  assert.equal(
    parseConfigFile('{"alerts":{"webhook":"https://x/h?token=1","format":"slack"}}', "c.json")
      .alerts?.format,
    "slack",
  );
});

Deno.test("parseConfigFile() rejects bad alerts, naming alerts.<key>", () => {
  const cases: [unknown, string[]][] = [
    [{ alerts: "https://x" }, ['alerts "https://x"', "an object"]],
    [{ alerts: { format: "slack" } }, ["alerts", '"webhook"']],
    [{ alerts: { webhook: "ftp://x" } }, ['alerts.webhook "ftp://x"', "http://"]],
    [{ alerts: { webhook: "x" } }, ['alerts.webhook "x"']],
    [{ alerts: { webhook: "http://x", format: "discord" } }, [
      'alerts.format "discord"',
      '"slack"',
    ]],
    [{ alerts: { webhook: "http://x", format: "telegram" } }, ["alerts.chatId null", "telegram"]],
    [{ alerts: { webhook: "http://x", format: "telegram", chatId: 1.5 } }, ["alerts.chatId 1.5"]],
    [{ alerts: { webhook: "http://x", chatId: 5 } }, ["alerts.chatId 5", '"telegram"']],
    [{ alerts: { webhook: "http://x", outOfSyncMs: 0 } }, ["alerts.outOfSyncMs 0"]],
    [{ alerts: { webhook: "http://x", minFreeBytes: "1G" } }, ['alerts.minFreeBytes "1G"']],
    [{ alerts: { webhook: "http://x", maxPerHour: 0 } }, ["alerts.maxPerHour 0"]],
    [{ alerts: { webhook: "http://x", diskCheckIntervalMs: 10 } }, ["alerts.diskCheckIntervalMs"]],
    [{ alerts: { webhook: "http://x", dailySummary: 1 } }, ["alerts.dailySummary 1"]],
    [{ alerts: { webhook: "http://x", host: "" } }, ['alerts.host ""']],
    [{ alerts: { webhook: "http://x", webhok: "http://x" } }, ['key "webhok"', "webhook"]],
  ];
  for (const [value, parts] of cases) {
    assertUsage(() => parseConfigFile(JSON.stringify(value), "c.json"), ...parts, '"c.json"');
  }
});

Deno.test("loadConfig() takes --alerts as JSON, and names it in errors", async () => {
  const { config } = await loadConfig(["--alerts", '{"webhook":"http://h/x","format":"slack"}']);
  assert.equal(config.alerts?.format, "slack");
  assert.equal((await loadConfig(["--alerts", "null"])).config.alerts, null);
  await assertUsageAsync(loadConfig(["--alerts", "http://h/x"]), '--alerts "http://h/x"');
  await assertUsageAsync(
    loadConfig(["--alerts", '{"webhook":"ws://h"}']),
    'alerts.webhook "ws://h"',
    "--alerts",
  );
});

Deno.test("loadConfig() with --market usdm: the futures URLs unless given, its speeds and limits", async () => {
  const { config } = await loadConfig(["--market", "usdm"]);
  assert.equal(config.market, "usdm");
  assert.equal(config.wsUrl, "wss://fstream.binance.com");
  assert.equal(config.restUrl, "https://fapi.binance.com");
  assert.equal(config.speed, "100ms");
  const given = await loadConfig([
    "--market",
    "usdm",
    "--ws-url",
    "ws://127.0.0.1:1",
    "--speed",
    "0ms",
  ]);
  assert.equal(given.config.wsUrl, "ws://127.0.0.1:1");
  assert.equal(given.config.restUrl, "https://fapi.binance.com");
  assert.equal(given.config.speed, "0ms");
  assert.equal((await loadConfig([])).config.wsUrl, DEFAULT_CONFIG.wsUrl);
  await assert.rejects(
    loadConfig(["--market", "usdm", "--speed", "1000ms"]),
    /speed "1000ms" for market usdm/,
  );
  await assert.rejects(loadConfig(["--speed", "0ms"]), /speed "0ms" for market spot/);
  await assert.rejects(
    loadConfig(["--market", "usdm", "--snapshot-limit", "5000"]),
    /one of 5, 10, 20, 50, 100, 500, 1000/,
  );
  await assert.rejects(loadConfig(["--market", "usdm", "--snapshot-limit", "200"]), /one of/);
  const fifty = await loadConfig(["--market", "usdm", "--snapshot-limit", "50"]);
  assert.equal(fifty.config.snapshotLimit, 50);
  await assert.rejects(loadConfig(["--market", "usdm", "--streams", "depth,aggTrade"]), /aggTrade/);
  await assert.rejects(loadConfig(["--market", "coinm"]), /market/);
});
