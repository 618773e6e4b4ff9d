import assert from "node:assert/strict";
import { MAIN_PATH, permissionFlags } from "../scripts/permission_flags.ts";
import { sharedDataPath } from "../lib/recording/raw_recording.ts";
import { main } from "../main.ts";
import { RawWsClient } from "../lib/simulator/raw_ws_client.ts";

/** Spawns `collector simulate …` and resolves with its URL line once it listens. */
async function spawnSimulator(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissionFlags(), MAIN_PATH, "simulate", ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const stderr = new Response(child.stderr).text();
  const rest = (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  return {
    url: text.split("\n")[0]!,
    async stop(): Promise<{ code: number; stderr: string }> {
      child.kill("SIGTERM");
      const status = await child.status;
      await rest;
      return { code: status.code, stderr: await stderr };
    },
  };
}

Deno.test("collector simulate prints its URL, serves REST and streams, exits 0 on SIGTERM", async () => {
  const sim = await spawnSimulator([
    "--port",
    "0",
    "--symbols",
    "BTCUSDT,SOLUSDT",
    "--interval-ms",
    "20",
    "--levels",
    "50",
  ]);
  let stopped = false;
  try {
    assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const info = await (await fetch(`${sim.url}/api/v3/exchangeInfo`)).json();
    assert.deepEqual(info.symbols.map((s: { symbol: string }) => s.symbol), ["BTCUSDT", "SOLUSDT"]);
    const depth = await fetch(`${sim.url}/api/v3/depth?symbol=SOLUSDT&limit=5`);
    assert.equal(depth.headers.get("X-MBX-USED-WEIGHT-1M"), "25");
    assert.equal((await depth.json()).bids.length, 5);
    const client = await RawWsClient.connect(
      `${sim.url.replace("http", "ws")}/stream?streams=solusdt@depth@100ms`,
    );
    const frame = JSON.parse(await client.nextText());
    assert.equal(frame.stream, "solusdt@depth@100ms");
    const closed = client.closed;
    const result = await sim.stop();
    stopped = true;
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await closed).code, null); // the process ended; TCP went with it
  } finally {
    if (!stopped) await sim.stop();
  }
});

Deno.test("collector simulate --replay serves the recorded book and exits 0 on SIGTERM", async () => {
  const file = sharedDataPath("spot/ethusdt_20240808.gz");
  const sim = await spawnSimulator(["--replay", file, "--replay-speed", "20", "--quiet"]);
  let stopped = false;
  try {
    const depth = await (await fetch(`${sim.url}/api/v3/depth?symbol=ETHUSDT&limit=1000`)).json();
    assert.ok(depth.lastUpdateId > 0);
    assert.ok(depth.bids.length > 100);
    const bad = await fetch(`${sim.url}/api/v3/depth?symbol=BTCUSDT`);
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
    const result = await sim.stop();
    stopped = true;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
  } finally {
    if (!stopped) await sim.stop();
  }
});

Deno.test("collector simulate --gap-every withholds events: the stream shows gaps", async () => {
  const sim = await spawnSimulator([
    "--symbols",
    "ETHUSDT",
    "--interval-ms",
    "10",
    "--levels",
    "20",
    "--gap-every",
    "0.1",
    "--quiet",
  ]);
  let stopped = false;
  try {
    const client = await RawWsClient.connect(
      `${sim.url.replace("http", "ws")}/ws/ethusdt@depth@100ms`,
    );
    const gaps = () => {
      const events = client.texts.map((t) => JSON.parse(t));
      return events.filter((e, i) => i > 0 && e.U !== events[i - 1].u + 1).length;
    };
    await client.waitFor(() => gaps() >= 2);
    await client.close();
    const result = await sim.stop();
    stopped = true;
    assert.equal(result.code, 0, result.stderr);
  } finally {
    if (!stopped) await sim.stop();
  }
});

Deno.test("collector simulate --help documents the flags; bad flags exit 2", async () => {
  const log = console.log;
  const error = console.error;
  const out: string[] = [];
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => out.push(a.join(" "));
  try {
    assert.equal(await main(["simulate", "--help"]), 0);
    for (
      const flag of [
        "--replay",
        "--time-scale",
        "--drop-every",
        "--gap-every",
        "--stall-every",
        "--stale-snapshots",
      ]
    ) {
      assert.ok(out.join("\n").includes(flag), flag);
    }
    out.length = 0;
    assert.equal(await main(["simulate", "--bogus"]), 2);
    assert.equal(await main(["simulate", "--port", "x"]), 2);
    assert.equal(await main(["simulate", "--replay", "/nonexistent/file.gz"]), 2);
    assert.equal(await main(["simulate", "--symbols", "btc/usdt"]), 2);
    assert.match(out.join("\n"), /btc\/usdt/i);
  } finally {
    console.log = log;
    console.error = error;
  }
});
