/**
 * `collector run`: loads the configuration, opens the recorder on the data directory, follows the
 * symbols until SIGINT or SIGTERM, then stops cleanly (everything accepted is written, with a
 * final book checkpoint per in-sync symbol) and exits 0.
 *
 * @module
 */
import { depthStreamName } from "../binance/urls.ts";
import { configHelp, loadConfig } from "../cli/config.ts";
import { InputError, UsageError } from "../cli/errors.ts";
import { createLogger, type Logger } from "../cli/log.ts";
import { startCollector } from "../collector/collector.ts";
import { logTo } from "../ops/logger.ts";
import { type Operations, startOperations } from "../ops/operations.ts";
import { DataDirLockedError, Recorder } from "../storage/recorder.ts";
import { VERSION } from "../version.ts";
import type { Command } from "./command.ts";

/** Longest a clean stop may take before the process gives up waiting. */
const STOP_LIMIT_MS = 4000;

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

async function openRecorder(
  config: Awaited<ReturnType<typeof loadConfig>>["config"],
  log: Logger,
): Promise<Recorder> {
  try {
    return await Recorder.open({
      dataDir: config.dataDir,
      collectorVersion: VERSION,
      streamName: (symbol) => depthStreamName(symbol, config.speed),
      flushIntervalMs: config.flushIntervalMs,
      fsync: config.fsync,
      maxPendingBytes: config.maxPendingBytes,
      checkpointIntervalMs: config.checkpointIntervalMs,
      log: (level, message, fields) => log[level](message, fields),
    });
  } catch (error) {
    if (error instanceof DataDirLockedError) throw new InputError(error.message);
    if (
      error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotFound ||
      isReadOnlyFs(error)
    ) {
      throw new InputError(
        `Cannot use data directory ${JSON.stringify(config.dataDir)}: ${error.message}`,
      );
    }
    throw error;
  }
}

/** Deno has no error class for EROFS: a plain `Error` with `code: "EROFS"`. */
function isReadOnlyFs(error: unknown): error is Error {
  return error instanceof Error && (error as { code?: unknown }).code === "EROFS";
}

async function withinLimit(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
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
    const startedAt = Date.now();
    try {
      const recorder = await openRecorder(config, log);
      let ops: Operations | null = null;
      const collector = startCollector(config, {
        sink: recorder,
        log,
        clockOffsetMs: () => ops?.clockOffsetMs() ?? 0,
      });
      try {
        ops = await startOperations(config, {
          collector,
          recorder,
          logger: logTo(log),
          version: VERSION,
          startedAt,
        }).catch((error) => {
          // Address in use or not ours: the configuration cannot be used as it is.
          if (error instanceof Error && error.message.startsWith("Cannot listen on")) {
            throw new InputError(`${error.message} (metricsAddr)`);
          }
          throw error;
        });
        const first = await Promise.race([
          signals.signal,
          collector.ready.then(() => null),
        ]);
        const name = first ?? await signals.signal;
        log.info(`${name} received: stopping`);
      } finally {
        const started = Date.now();
        await ops?.stop();
        if (!await withinLimit(collector.stop(), STOP_LIMIT_MS / 2)) {
          log.warn("Connections did not close in time; writing what was accepted");
        }
        await withinLimit(
          recorder.close((symbol) => collector.books(symbol)),
          Math.max(500, STOP_LIMIT_MS - (Date.now() - started)),
        );
        // Waits for the rotation hook (also on the files finished just now).
        await ops?.close();
        log.info("Stopped", { ms: Date.now() - started, ...summary(collector.stats()) });
      }
      return 0;
    } finally {
      signals.remove();
    }
  },
};

function summary(s: ReturnType<ReturnType<typeof startCollector>["stats"]>) {
  return { events: s.written, gaps: s.gaps, snapshots: s.snapshots.received };
}
