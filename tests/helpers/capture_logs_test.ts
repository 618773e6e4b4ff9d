import assert from "node:assert/strict";
import { captureLogs } from "./capture_logs.ts";

Deno.test("captureLogs() keeps each entry with its level, message and fields", () => {
  const { lines, logger } = captureLogs();
  logger.debug("d", { a: 1 });
  logger.info("i");
  logger.warn("w", { b: "x" });
  logger.error("e");
  assert.deepEqual(lines, [
    { level: "debug", msg: "d", fields: { a: 1 } },
    { level: "info", msg: "i", fields: {} },
    { level: "warn", msg: "w", fields: { b: "x" } },
    { level: "error", msg: "e", fields: {} },
  ]);
});

Deno.test("captureLogs() child() merges its fields into the same lines, entry fields winning", () => {
  const { lines, logger } = captureLogs();
  const child = logger.child({ symbol: "BTCUSDT", n: 1 });
  child.warn("gap", { n: 2 });
  child.child({ conn: 3 }).info("open");
  logger.info("parent");
  assert.deepEqual(lines, [
    { level: "warn", msg: "gap", fields: { symbol: "BTCUSDT", n: 2 } },
    { level: "info", msg: "open", fields: { symbol: "BTCUSDT", n: 1, conn: 3 } },
    { level: "info", msg: "parent", fields: {} },
  ]);
});

Deno.test("captureLogs() until(n) resolves once n entries were logged", async () => {
  const { logger, until } = captureLogs();
  let resolved = false;
  const waiting = until(2).then(() => (resolved = true));
  logger.info("one");
  await Promise.resolve();
  assert.equal(resolved, false);
  logger.child({}).info("two");
  await waiting;
  assert.equal(resolved, true);
  await until(1);
});
