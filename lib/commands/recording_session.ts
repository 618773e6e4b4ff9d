/**
 * One recording session, shared by `collector run` and `collector demo`: open the recorder on the
 * data directory, start the collector and the operations (metrics, status, clock, hooks), wait
 * until told to stop, then stop cleanly: everything accepted is written, with a final book
 * checkpoint per in-sync symbol.
 *
 * @module
 */
import { depthStreamName } from "../binance/urls.ts";
import type { CollectorConfig } from "../cli/config.ts";
import { InputError } from "../util/errors.ts";
import type { Logger } from "../util/log.ts";
import { type Collector, type CollectorStats, startCollector } from "../collector/collector.ts";
import { type Operations, startOperations } from "../ops/operations.ts";
import { DataDirLockedError, Recorder } from "../storage/recorder.ts";
import { marketDataDir } from "../storage/market_dir.ts";
import { VERSION } from "../version.ts";

/** Longest a clean stop may take before the process gives up waiting. */
const STOP_LIMIT_MS = 4000;

/** Options of {@linkcode runRecordingSession}. */
export interface RecordingSessionOptions {
  /** Where everything is logged. */
  log: Logger;
  /** Resolves (with a name for the log, e.g. `"SIGTERM"`) when the session should stop. */
  until: Promise<string>;
  /** Called once the collector and operations are running (the demo injects faults from here). */
  onStarted?: (collector: Collector) => void;
  /** Signal for an extra status line; default `"SIGUSR1"`, `null` for none. */
  statusSignal?: Deno.Signal | null;
}

/** Runs a recording session until `options.until` resolves; resolves to the collector's counters. */
export async function runRecordingSession(
  config: CollectorConfig,
  options: RecordingSessionOptions,
): Promise<CollectorStats> {
  const { log } = options;
  const startedAt = Date.now();
  // A market records into its own folder (futures: <dataDir>/usdm), with its own lock.
  const given = config;
  config = { ...config, dataDir: marketDataDir(config.dataDir, config.market) };
  const recorder = await openRecorder(config, log, given.dataDir);
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
      logger: log,
      version: VERSION,
      startedAt,
      ...(options.statusSignal !== undefined ? { statusSignal: options.statusSignal } : {}),
    }).catch((error) => {
      // Address in use or not ours: the configuration cannot be used as it is.
      if (error instanceof Error && error.message.startsWith("Cannot listen on")) {
        throw new InputError(`${error.message} (metricsAddr)`);
      }
      throw error;
    });
    const first = await Promise.race([options.until, collector.ready.then(() => null)]);
    if (first === null) options.onStarted?.(collector);
    const name = first ?? await options.until;
    log.info(`${name}: stopping`);
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
    const s = collector.stats();
    log.info("Stopped", {
      ms: Date.now() - started,
      events: s.written,
      gaps: s.gaps,
      snapshots: s.snapshots.received,
    });
  }
  return collector.stats();
}

async function openRecorder(
  config: CollectorConfig,
  log: Logger,
  given: string,
): Promise<Recorder> {
  try {
    return await Recorder.open({
      dataDir: config.dataDir,
      market: config.market,
      collectorVersion: VERSION,
      streamName: (symbol) => depthStreamName(symbol, config.speed),
      flushIntervalMs: config.flushIntervalMs,
      fsync: config.fsync,
      maxPendingBytes: config.maxPendingBytes,
      checkpointIntervalMs: config.checkpointIntervalMs,
      log,
    });
  } catch (error) {
    if (error instanceof DataDirLockedError) throw new InputError(error.message);
    if (
      error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotFound ||
      isReadOnlyFs(error)
    ) {
      throw new InputError(
        `Cannot use data directory ${JSON.stringify(given)}: ${error.message}`,
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
