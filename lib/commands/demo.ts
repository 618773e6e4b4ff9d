/**
 * `collector demo`: the whole program on this machine, with no network. Starts the exchange
 * simulator in-process, records a few symbols for about 30 s through the same session as
 * `collector run` while injecting faults (every connection dropped, then one of the two redundant
 * connections dropped, which costs nothing, and a withheld event, a real gap), stops cleanly, then
 * verifies the files and says where they are and what verify found.
 *
 * @module
 */
import { parseCommandArgs } from "../cli/args.ts";
import { DEFAULT_CONFIG } from "../cli/config.ts";
import { EXIT_OK, EXIT_PROBLEM, UsageError } from "../util/errors.ts";
import { createLogger } from "../util/log.ts";
import { validateSymbol } from "../util/symbol.ts";
import { startSimulator } from "../simulator/simulator.ts";
import { findRecordings } from "../verify/find_recordings.ts";
import { fileSummary, totalsLine } from "../verify/summary.ts";
import { verifyFiles } from "../verify/verify_files.ts";
import type { Command } from "./command.ts";
import { runRecordingSession } from "./recording_session.ts";

const DEFAULT_SYMBOLS = ["BTCUSDT", "ETHUSDT", "BNBUSDT"];
const DEFAULT_SECONDS = 30;

const HELP = `Usage: collector demo [--dir DIR] [--seconds N] [--symbols A,B,…] [--verbose]

Runs the whole program on this machine with no network: starts the Binance-compatible simulator
in-process, records ${DEFAULT_SYMBOLS.join(", ")} for about ${DEFAULT_SECONDS} s exactly as
'collector run' would, drops every connection a third of the way in, one of the two redundant
connections half way (no gap: the other carries on), and withholds one event of the second symbol
at two thirds (a real gap), stops cleanly, then runs 'collector verify' on the files and prints
where they are and what verify found.

Options:
  --dir DIR        record into DIR (default: a new temporary directory, kept afterwards)
  --seconds N      how long to record (default ${DEFAULT_SECONDS}, at least 6)
  --symbols LIST   comma-separated symbols (default ${DEFAULT_SYMBOLS.join(",")})
  --verbose        log every detail of the collector
  -h, --help       this help

Exit codes: 0 the recording verified whole (the injected gap is marked, as it should be),
1 verify found damage, 2 usage error.`;

/** The `demo` subcommand. */
export const demoCommand: Command = {
  name: "demo",
  summary: "record from a built-in simulator for 30 s with faults injected, then verify",
  help: HELP,
  async run(args) {
    const options = parseDemoArgs(args);
    const dir = options.dir ?? await Deno.makeTempDir({ prefix: "collector-demo-" });
    const say = (line: string) => console.log(`demo: ${line}`);
    await using sim = await startSimulator({ symbols: options.symbols, quiet: true });
    say(`simulator listening on ${sim.url} with ${options.symbols.join(", ")}`);
    say(`recording for ${options.seconds} s into ${dir}`);
    const log = createLogger({ format: "text", level: options.verbose ? "verbose" : "info" });
    const gapSymbol = options.symbols[1] ?? options.symbols[0]!;
    const timers: ReturnType<typeof setTimeout>[] = [];
    let stop!: (name: string) => void;
    const until = new Promise<string>((resolve) => stop = resolve);
    try {
      await runRecordingSession({
        ...DEFAULT_CONFIG,
        symbols: options.symbols,
        dataDir: dir,
        wsUrl: sim.wsUrl,
        restUrl: sim.url,
        statusIntervalMs: 10_000,
      }, {
        log,
        until,
        statusSignal: null,
        onStarted() {
          const ms = options.seconds * 1000;
          timers.push(setTimeout(() => {
            say("injecting a fault: every connection dropped (no close frame)");
            sim.dropConnections();
          }, ms / 3));
          timers.push(setTimeout(() => {
            const open = sim.connections();
            if (open.length < 2) return say("both connections are not open yet: no single drop");
            say(`injecting a fault: one of the two connections dropped (the other carries on)`);
            sim.dropConnections([open[0]!.id]);
          }, ms / 2));
          timers.push(setTimeout(() => {
            say(`injecting a fault: one ${gapSymbol} event withheld (a hole in update ids)`);
            sim.withholdNextEvent(gapSymbol);
          }, (ms * 2) / 3));
          timers.push(setTimeout(() => stop(`demo finished after ${options.seconds} s`), ms));
        },
      });
    } finally {
      for (const timer of timers) clearTimeout(timer);
    }
    say(`verifying ${dir}`);
    const report = await verifyFiles(await findRecordings([dir]), {
      onFile: (r) => console.log(fileSummary(r)),
    });
    console.log(totalsLine(report, false));
    say(`files are in ${dir}`);
    say(`look inside:  zcat ${dir}/${gapSymbol}/*_dom.jsonl.gz | head -c 600`);
    say(`verify again: collector verify ${dir}`);
    say(`top 5 levels: collector replay ${dir}/${gapSymbol} --depth 5 --format csv | head`);
    return report.exitCode === 0 ? EXIT_OK : EXIT_PROBLEM;
  },
};

interface DemoOptions {
  dir: string | undefined;
  seconds: number;
  symbols: string[];
  verbose: boolean;
}

function parseDemoArgs(args: string[]): DemoOptions {
  const parsed = parseCommandArgs("demo", {
    args,
    options: {
      dir: { type: "string" },
      seconds: { type: "string" },
      symbols: { type: "string" },
      verbose: { type: "boolean" },
    },
    strict: true,
    allowPositionals: false,
  });
  const { values } = parsed;
  const seconds = values.seconds === undefined ? DEFAULT_SECONDS : Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds < 6) {
    throw new UsageError(`Invalid --seconds "${values.seconds}": expected a number of at least 6`);
  }
  const symbols = values.symbols === undefined
    ? DEFAULT_SYMBOLS
    : values.symbols.split(",").map((s) => validateSymbol(s.trim()));
  if (symbols.length === 0) throw new UsageError("--symbols needs at least one symbol");
  return { dir: values.dir, seconds, symbols, verbose: values.verbose === true };
}
