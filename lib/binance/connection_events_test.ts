import assert from "node:assert/strict";
import { isServerShutdown, serverShutdownFrame } from "./connection_events.ts";

Deno.test("isServerShutdown() recognises the notice in its three shapes", () => {
  assert.ok(isServerShutdown(JSON.parse(serverShutdownFrame(1770123456789))));
  assert.ok(isServerShutdown({ e: "serverShutdown", E: 1 }));
  assert.ok(isServerShutdown({ stream: "x", data: { e: "serverShutdown", E: 1 } }));
});

Deno.test("isServerShutdown() rejects other frames", () => {
  for (
    const v of [null, 3, "serverShutdown", { e: "depthUpdate" }, { event: {} }, { data: null }]
  ) {
    assert.equal(isServerShutdown(v), false, JSON.stringify(v));
  }
});
