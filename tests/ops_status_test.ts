/**
 * The status line in a real process: a child Deno process runs `startStatus` with a JSON logger;
 * the test sends it SIGUSR1 from outside and reads the structured line from its stdout.
 */
import assert from "node:assert/strict";
import { LineStream } from "../lib/util/line_stream.ts";

const STATUS_URL = new URL("../lib/ops/status.ts", import.meta.url).href;
const LOG_URL = new URL("../lib/util/log.ts", import.meta.url).href;
const LATENCY_URL = new URL("../lib/util/latency.ts", import.meta.url).href;

const CHILD = `
import { startStatus } from "${STATUS_URL}";
import { createLogger } from "${LOG_URL}";
import { LatencyHistogram } from "${LATENCY_URL}";
const lag = new LatencyHistogram();
for (let i = 0; i < 100; i++) lag.record(25);
let events = 0;
const reporter = startStatus({
  connections: () => [{ id: "1", events: (events += 600), symbols: 2, inSync: 2, resyncing: 0,
    gapsToday: 1, lag: lag.snapshot() }],
  totals: () => ({ restWeightUsed: 50, restWeightLimit: 6000, bytesWrittenToday: 2048 }),
}, createLogger({ format: "json", write: (line) => console.log(line) }), {
  intervalMs: ${3_600_000},
});
console.log("ready");
for await (const _ of Deno.stdin.readable) { /* until EOF */ }
reporter.stop();
`;

Deno.test("status line: SIGUSR1 sent to a running process makes it log a JSON status line", {
  ignore: Deno.build.os === "windows",
}, async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", CHILD],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(new LineStream())
    .getReader();
  const stderr = new Response(child.stderr).text();
  try {
    assert.deepEqual(await lines.read(), { done: false, value: "ready" });
    Deno.kill(child.pid, "SIGUSR1");
    const first = await lines.read();
    assert.equal(first.done, false);
    const line = JSON.parse(first.value!);
    assert.equal(line.level, "info");
    assert.match(
      line.msg,
      /^status: [\d.]+ ev\/s, 2\/2 in sync, 0 resyncing, 0 stale, 1 gaps today/,
    );
    assert.equal(line.symbols, 2);
    assert.equal(line.inSync, 2);
    assert.equal(line.gapsToday, 1);
    assert.equal(line.restWeightUsed, 50);
    assert.equal(line.bytesWrittenToday, 2048);
    assert.ok(Math.abs(line.lagP99Ms - 25) <= 25 * 0.05, `p99 ${line.lagP99Ms} ms`); // 25 ms, bucketed
    assert.equal(line.connections.length, 1);
    assert.equal(line.connections[0].id, "1");
    // A second signal, a second line: the listener stays.
    Deno.kill(child.pid, "SIGUSR1");
    assert.match((await lines.read()).value!, /"msg":"status: /);
  } finally {
    await child.stdin.close();
    const status = await child.status;
    await lines.cancel();
    const err = await stderr;
    assert.equal(status.code, 0, err);
  }
});
