import assert from "node:assert/strict";
import { createLogger } from "../cli/log.ts";
import { logTo, silentLogger } from "./logger.ts";

Deno.test("logTo() sends each level to the method of that name, with the fields", () => {
  const lines: string[] = [];
  const log = logTo(
    createLogger({ format: "json", level: "verbose", write: (l) => lines.push(l), now: () => 0 }),
  );
  log("debug", "d", { a: 1 });
  log("info", "i");
  log("warn", "w", { b: "x" });
  log("error", "e");
  const parsed = lines.map((l) => JSON.parse(l));
  assert.deepEqual(parsed.map((p) => [p.level, p.msg]), [["debug", "d"], ["info", "i"], [
    "warn",
    "w",
  ], [
    "error",
    "e",
  ]]);
  assert.equal(parsed[0].a, 1);
  assert.equal(parsed[2].b, "x");
  silentLogger("error", "dropped");
});
