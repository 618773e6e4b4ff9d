import assert from "node:assert/strict";
import {
  createLogger,
  type LogEntry,
  type LoggerOptions,
  rateLimited,
  silentLogger,
} from "./log.ts";

const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);

function capture(options: LoggerOptions = {}) {
  const lines: string[] = [];
  const logger = createLogger({ now: () => T0, write: (line) => lines.push(line), ...options });
  return { lines, logger };
}

Deno.test("createLogger() writes text lines with time, level, message and fields", () => {
  const { lines, logger } = capture();
  logger.info("connected", { symbols: 2, url: "wss://x:9443", ok: true, none: null });
  logger.warn("gap", { symbol: "BTCUSDT", detail: "expected U=51 got U=53", skipped: undefined });
  assert.deepEqual(lines, [
    "2026-11-21T10:00:00.000Z INFO connected symbols=2 url=wss://x:9443 ok=true none=null",
    '2026-11-21T10:00:00.000Z WARN gap symbol=BTCUSDT detail="expected U=51 got U=53"',
  ]);
});

Deno.test("createLogger() keeps one entry on one line, when values hold newlines", () => {
  const { lines, logger } = capture();
  logger.error("bad\nframe", { sample: 'a\n"b"', error: new Error("boom\nx"), list: [1, "a"] });
  assert.equal(lines.length, 1);
  assert.ok(!lines[0]!.includes("\n"));
  assert.equal(
    lines[0],
    '2026-11-21T10:00:00.000Z ERROR bad\\nframe sample="a\\n\\"b\\"" error="boom\\nx" list=[1,"a"]',
  );
});

Deno.test("createLogger() writes JSON objects, when format is json", () => {
  const { lines, logger } = capture({ format: "json" });
  logger.info("snapshot", { symbol: "ETHUSDT", lastUpdateId: 42, msg: "clash", big: 2n });
  assert.deepEqual(JSON.parse(lines[0]!), {
    time: "2026-11-21T10:00:00.000Z",
    level: "info",
    msg: "snapshot",
    symbol: "ETHUSDT",
    lastUpdateId: 42,
    msg_: "clash",
    big: "2",
  });
  assert.deepEqual(Object.keys(JSON.parse(lines[0]!)).slice(0, 3), ["time", "level", "msg"]);
});

Deno.test("createLogger() filters by level", () => {
  const seen = (level: "quiet" | "info" | "verbose") => {
    const { lines, logger } = capture({ level });
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    return lines.map((line) => line.split(" ")[1]);
  };
  assert.deepEqual(seen("quiet"), ["WARN", "ERROR"]);
  assert.deepEqual(seen("info"), ["INFO", "WARN", "ERROR"]);
  assert.deepEqual(seen("verbose"), ["DEBUG", "INFO", "WARN", "ERROR"]);
});

Deno.test("Logger.child() adds its fields to every entry, entry fields winning", () => {
  const { lines, logger } = capture();
  const child = logger.child({ symbol: "BTCUSDT", conn: 1 });
  child.info("synced", { conn: 2 });
  child.child({ extra: "x" }).info("again");
  assert.deepEqual(lines, [
    "2026-11-21T10:00:00.000Z INFO synced symbol=BTCUSDT conn=2",
    "2026-11-21T10:00:00.000Z INFO again symbol=BTCUSDT conn=1 extra=x",
  ]);
});

Deno.test("rateLimited() lets one entry through per interval and reports the suppressed count", () => {
  const { lines, logger } = capture();
  let t = 0;
  const limited = rateLimited(logger, "malformed-frame", 1000, { now: () => t });
  limited.warn("Malformed frame", { n: 1 });
  for (let i = 2; i <= 5; i++) {
    t += 100;
    limited.warn("Malformed frame", { n: i });
  }
  assert.equal(lines.length, 1);
  t = 1000;
  limited.warn("Malformed frame", { n: 6 });
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, /WARN Malformed frame n=6 suppressed=4$/);
  t = 1500;
  limited.warn("Malformed frame", { n: 7 });
  limited.flush();
  assert.match(lines[2]!, /WARN malformed-frame: 1 similar entries suppressed suppressed=1$/);
  limited.flush();
  assert.equal(lines.length, 3, "nothing left to report");
  t = 2500;
  limited.warn("Malformed frame", { n: 8 });
  assert.match(lines[3]!, /n=8$/, "no suppressed count after a flush");
});

Deno.test("silentLogger drops every entry and its child() is itself", () => {
  const original = console.error;
  const written: unknown[] = [];
  console.error = (...args: unknown[]) => void written.push(args);
  try {
    silentLogger.debug("d", { a: 1 });
    silentLogger.info("i");
    silentLogger.warn("w", { b: 2 });
    silentLogger.error("e");
    silentLogger.child({ c: 3 }).error("child");
  } finally {
    console.error = original;
  }
  assert.deepEqual(written, []);
  assert.equal(silentLogger.child({ c: 3 }), silentLogger);
});

Deno.test("createLogger() hands entries to onEntry unformatted, above the level, child fields merged", () => {
  const entries: LogEntry[] = [];
  const log = createLogger({ level: "info", now: () => 5, onEntry: (e) => entries.push(e) });
  const error = new Error("boom");
  log.debug("hidden");
  log.child({ symbol: "BTCUSDT", n: 1 }).warn("kept", { n: 2, error });
  assert.deepEqual(entries, [
    { time: 5, level: "warn", message: "kept", fields: { symbol: "BTCUSDT", n: 2, error } },
  ]);
});
