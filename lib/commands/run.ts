/**
 * `collector run`: loads the configuration, opens the recorder on the data directory, follows the
 * symbols until SIGINT or SIGTERM, then stops cleanly (everything accepted is written, with a
 * final book checkpoint per in-sync symbol) and exits 0.
 *
 * @module
 */
import { configHelp, loadConfig } from "../cli/config.ts";
import { UsageError } from "../util/errors.ts";
import { createLogger } from "../util/log.ts";
import type { Command } from "./command.ts";
import { runRecordingSession } from "./recording_session.ts";

/** Resolves with the name of the first SIGINT or SIGTERM; `remove` unregisters the listeners. */
function stopSignal(): { signal: Promise<string>; remove(): void } {
  const names = ["SIGINT", "SIGTERM"] as const;
  let resolve!: (name: string) => void;
  const signal = new Promise<string>((r) => resolve = r);
  const handlers = names.map((name) => [name, () => resolve(name)] as const);
  for (const [name, handler] of handlers) Deno.addSignalListener(name, handler);
  return {
    signal,
    remove() {
      for (const [name, handler] of handlers) Deno.removeSignalListener(name, handler);
    },
  };
}

/** The `run` subcommand. */
export const runCommand: Command = {
  name: "run",
  summary: "Record the order books of Binance spot symbols until stopped",
  help: [
    "Usage: collector run [options]",
    "",
    "Follows every configured symbol's diff-depth stream, keeps each book in sync with REST",
    "snapshots (within the exchange's request-weight limits), and records every event into one",
    "gzip file per symbol per UTC day under the data directory (see docs/FORMAT.md). Runs until",
    "SIGINT or SIGTERM, then writes everything accepted and exits 0.",
    "",
    configHelp(),
  ].join("\n"),
  async run(args) {
    const { config, rest } = await loadConfig(args);
    if (rest.length > 0) {
      throw new UsageError(`Unexpected argument ${JSON.stringify(rest[0])}`);
    }
    const log = createLogger({ format: config.logFormat, level: config.logLevel });
    const signals = stopSignal();
    try {
      await runRecordingSession(config, {
        log,
        until: signals.signal.then((name) => `${name} received`),
      });
      return 0;
    } finally {
      signals.remove();
    }
  },
};
