/**
 * `collector simulate`: runs the Binance-compatible simulator until SIGINT/SIGTERM.
 *
 * @module
 */
import { parseCommandArgs } from "../cli/args.ts";
import { UsageError } from "../util/errors.ts";
import { startSimulator } from "../simulator/simulator.ts";
import type { SimulatorOptions } from "../simulator/simulator.ts";
import type { Command } from "./command.ts";

const HELP = `Usage: collector simulate [options] [--replay FILE...]

Runs a Binance-spot-compatible exchange on 127.0.0.1 (REST and WebSocket on one port) and prints
one line, its base URL (http://127.0.0.1:PORT), once it listens. Serves until SIGINT or SIGTERM.

REST: /api/v3/depth, /api/v3/exchangeInfo, /api/v3/time, /api/v3/ping (weights, 429/418 with
Retry-After, X-MBX-USED-WEIGHT-1M as the exchange). WebSocket: /ws/<stream> and
/stream?streams=a/b; <sym>@depth@100ms, <sym>@depth@1000ms, <sym>@depth, <sym>@bookTicker;
SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS; ping every 20 s, closed without pong in 60 s, closed
after 24 h (close code 1000), closed beyond 5 messages a second (1008), at most 1024 streams
(a longer URL is refused with HTTP 400, a SUBSCRIBE beyond gets error code 2). serverShutdown is
sent as {"event":{"e":"serverShutdown","E":...}}.

Market:
  --market spot|usdm       spot (default), or USDⓈ-M futures: REST under /fapi/v1 (depth up to
                           1000 levels, weights 2/5/10/20, E and T in the answer), WebSocket at
                           /public/stream and /public/ws, events with T and pu, ping every 3 min,
                           pong timeout 10 min, 10 messages a second, 2400 weight a minute;
                           --replay of futures recordings serves their @depth@0ms frames as sent
  --port N                 port (default 0: any free port)
  --symbols A,B            synthetic symbols (default BTCUSDT,ETHUSDT)
  --extra-symbols N        N more synthetic symbols with tiny books (XS0001USDT…)
  --seed N                 seed of the synthetic market (default 1)
  --levels N               initial levels per side (default 1000)
  --interval-ms MS         period of synthetic 100ms events, real ms (default 100)
  --replay FILE...         replay raw recordings instead (files of one symbol continue each other)
  --replay-speed X         replay speed factor (default 1 = real time)

Timing and limits:
  --time-scale X           divide protocol durations (ping, pong timeout, 24 h, weight minute) by X
  --weight-per-minute N    REST weight budget (default 6000)
  --max-streams N          streams per connection (default 1024)

Faults (periods in real seconds):
  --drop-every S           drop every connection abruptly (no close frame) every S seconds
  --close-every S          close every connection with code 1000 every S seconds
  --shutdown-every S       send serverShutdown, then close the warned connections with 1000 a
                           second later, every S seconds
  --gap-every S            withhold one event of every symbol every S seconds
  --stall-every S          stall every open connection (silent forever, TCP open) every S seconds
  --bad-frames-every S     send a malformed frame, an unknown-stream frame and a frame of an
                           unsubscribed symbol on every connection every S seconds
  --stale-snapshots N      serve the first N depth snapshots stale (an older book)
  --throttle-ms MS         answer depth requests with 429 for the first MS milliseconds
  --quiet                  print only the URL line`;

function number(name: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) {
    throw new UsageError(`Invalid --${name} "${value}": expected a number of at least ${min}`);
  }
  return n;
}

/** The `simulate` subcommand. */
export const simulateCommand: Command = {
  name: "simulate",
  summary: "run a Binance-compatible exchange simulator (synthetic market or replay)",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const parsed = parseCommandArgs("simulate", {
      args,
      allowPositionals: true,
      options: {
        market: { type: "string" },
        port: { type: "string" },
        symbols: { type: "string" },
        "extra-symbols": { type: "string" },
        seed: { type: "string" },
        levels: { type: "string" },
        "interval-ms": { type: "string" },
        replay: { type: "string", multiple: true },
        "replay-speed": { type: "string" },
        "time-scale": { type: "string" },
        "weight-per-minute": { type: "string" },
        "max-streams": { type: "string" },
        "drop-every": { type: "string" },
        "close-every": { type: "string" },
        "shutdown-every": { type: "string" },
        "gap-every": { type: "string" },
        "stall-every": { type: "string" },
        "bad-frames-every": { type: "string" },
        "stale-snapshots": { type: "string" },
        "throttle-ms": { type: "string" },
        quiet: { type: "boolean" },
      },
    });
    const v = parsed.values;
    const replay = [...(v.replay ?? [])];
    if (parsed.positionals.length > 0) {
      if (replay.length === 0) {
        throw new UsageError(`Unexpected argument "${parsed.positionals[0]}"`);
      }
      replay.push(...parsed.positionals);
    }
    const options: SimulatorOptions = { quiet: v.quiet ?? false };
    const set = <K extends keyof SimulatorOptions>(
      key: K,
      value: SimulatorOptions[K] | undefined,
    ) => {
      if (value !== undefined) options[key] = value;
    };
    if (v.market !== undefined) {
      if (v.market !== "spot" && v.market !== "usdm") {
        throw new UsageError(
          `Invalid --market ${JSON.stringify(v.market)}: expected "spot" or "usdm"`,
        );
      }
      options.market = v.market;
    }
    set("port", number("port", v.port));
    set("symbols", v.symbols?.split(",").filter((s) => s !== ""));
    set("extraSymbols", number("extra-symbols", v["extra-symbols"]));
    set("seed", number("seed", v.seed));
    set("levelsPerSide", number("levels", v.levels, 1));
    set("updateIntervalMs", number("interval-ms", v["interval-ms"]));
    if (replay.length > 0) set("replay", replay);
    set("replaySpeed", number("replay-speed", v["replay-speed"], 1e-9));
    set("timeScale", number("time-scale", v["time-scale"], 1e-9));
    set("weightPerMinute", number("weight-per-minute", v["weight-per-minute"], 1));
    set("maxStreamsPerConnection", number("max-streams", v["max-streams"], 1));
    for (const file of replay) {
      try {
        Deno.statSync(file);
      } catch {
        throw new UsageError(`Cannot read replay file "${file}"`);
      }
    }
    let simulator;
    try {
      simulator = await startSimulator(options);
    } catch (error) {
      if (error instanceof RangeError) throw new UsageError(error.message);
      throw error;
    }
    const timers: ReturnType<typeof setTimeout>[] = [];
    const every = (seconds: number | undefined, fn: () => void) => {
      if (seconds !== undefined && seconds > 0) timers.push(setInterval(fn, seconds * 1000));
    };
    every(number("drop-every", v["drop-every"]), () => simulator.dropConnections());
    every(number("close-every", v["close-every"]), () => simulator.closeConnections(1000));
    every(number("shutdown-every", v["shutdown-every"]), () => {
      const warned = simulator.sendServerShutdown();
      timers.push(setTimeout(() => simulator.closeConnections(1000, warned), 1000));
    });
    every(number("gap-every", v["gap-every"]), () => {
      for (const symbol of simulator.symbols()) simulator.withholdNextEvent(symbol);
    });
    every(number("stall-every", v["stall-every"]), () => simulator.stallConnections());
    every(number("bad-frames-every", v["bad-frames-every"]), () => {
      simulator.sendMalformedFrame();
      simulator.sendUnknownStreamFrame();
      simulator.sendUnsubscribedSymbolFrame();
    });
    const stale = number("stale-snapshots", v["stale-snapshots"]);
    if (stale) simulator.serveStaleSnapshots(stale);
    const throttle = number("throttle-ms", v["throttle-ms"]);
    if (throttle) simulator.throttleSnapshots(throttle);

    console.log(simulator.url);
    if (!options.quiet) {
      console.error(
        `simulate: serving ${simulator.symbols().length} symbols on ${simulator.url} ` +
          `(WebSocket ${simulator.wsUrl}); SIGINT or SIGTERM to stop`,
      );
    }
    await new Promise<void>((resolve) => {
      const stop = () => {
        Deno.removeSignalListener("SIGINT", stop);
        Deno.removeSignalListener("SIGTERM", stop);
        resolve();
      };
      Deno.addSignalListener("SIGINT", stop);
      Deno.addSignalListener("SIGTERM", stop);
    });
    for (const timer of timers) clearTimeout(timer);
    await simulator.close();
    return 0;
  },
};
