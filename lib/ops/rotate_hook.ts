/**
 * The rotation hook (`onRotate`): when a day file is finished, run a configured command with the
 * file and its manifest appended to its arguments, e.g. `["rclone", "copyto", "--"]` runs
 * `rclone copyto -- <file> <manifest>`. No shell is involved. Jobs wait in a bounded queue and run
 * a few at a time (default one), so a slow or hanging hook never blocks collection: a job that
 * outlives `timeoutMs` gets SIGTERM, then SIGKILL. Its stdout and stderr are logged, bounded.
 * Failures (non-zero exit, spawn error, timeout) are logged and counted, not retried at once.
 *
 * Each success marks the file (`<day>_dom.hooked`, see `retention.ts`), and the queue is only in
 * memory, so at start {@linkcode RotateHook.catchUp} queues every finished day file without a
 * marker: a run that failed, or that a crash, a kill or a full queue cut short, runs again then.
 * A hook may therefore run more than once for a file (a kill between its end and the marker): it
 * should be idempotent, as copying is. A file already queued, or marked meanwhile, is not run
 * again.
 *
 * With `retention`, whenever the queue runs dry, marked files older than `retention.days` are
 * deleted.
 *
 * @module
 */
import { runHook } from "./hook_process.ts";
import { type Logger, silentLogger } from "../util/log.ts";
import {
  checkRetentionDays,
  findUnhooked,
  hookedMarkerPath,
  isHooked,
  markHooked,
  sweepRetention,
} from "./retention.ts";

/** Options of {@linkcode createRotateHook}. */
export interface RotateHookOptions {
  /** Where results and output go. */
  logger?: Logger;
  /** A run longer than this is killed and counted as failed. Default 10 min. */
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL on timeout. Default 5 s. */
  killGraceMs?: number;
  /** Runs at once. Default 1. */
  concurrency?: number;
  /** Jobs waiting at most; more are dropped (and logged). Default 10 000. */
  maxQueue?: number;
  /** Bytes kept of each of stdout and stderr for the log. Default 4096. */
  outputLimit?: number;
  /** Working directory of the command. Default: the process's. */
  cwd?: string;
  /** Delete hooked files older than `days` days from `dataDir`. */
  retention?: { dataDir: string; days: number; now?: () => number };
}

/** Counters of a hook since it was created. */
export interface RotateHookStats {
  /** Jobs waiting. */
  queued: number;
  /** Jobs running. */
  running: number;
  /** Runs that exited with code 0. */
  succeeded: number;
  /** Non-zero exits, spawn errors and timeouts. */
  failed: number;
  /** Of `failed`, the ones killed for taking too long. */
  timedOut: number;
  /** Jobs refused because the queue was full or the hook closed. */
  dropped: number;
  /** Files deleted by retention. */
  deleted: number;
}

/** A running hook. */
export interface RotateHook {
  /**
   * Queues the hook for a finished `file` and its `manifest`; false when dropped. A file already
   * queued or running is not queued twice (true).
   */
  onRotate(file: string, manifest: string): boolean;
  /**
   * Queues, oldest first, every finished day file under `dataDir` whose hook has not succeeded
   * (no marker), as far as the queue has room; resolves to how many were queued.
   */
  catchUp(dataDir: string): Promise<number>;
  /** Current counters. */
  stats(): RotateHookStats;
  /** Resolves once nothing is queued or running (catch-up scans and retention sweep included). */
  idle(): Promise<void>;
  /** Refuses new jobs and waits for the queued and running ones. */
  close(): Promise<void>;
}

/** Creates a hook running `argv` (command first) plus `<file> <manifest>` for each rotation. */
export function createRotateHook(
  argv: readonly string[],
  options: RotateHookOptions = {},
): RotateHook {
  const [command, ...baseArgs] = argv;
  if (command === undefined || command === "") {
    throw new TypeError(`Invalid rotate hook ${JSON.stringify(argv)}: expected a command first`);
  }
  const concurrency = options.concurrency ?? 1;
  const maxQueue = options.maxQueue ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const killGraceMs = options.killGraceMs ?? 5_000;
  const outputLimit = options.outputLimit ?? 4096;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`Invalid rotate hook concurrency ${concurrency}: expected 1 or more`);
  }
  if (!Number.isInteger(maxQueue) || maxQueue < 0) {
    throw new RangeError(`Invalid rotate hook queue size ${maxQueue}: expected 0 or more`);
  }
  if (options.retention) checkRetentionDays(options.retention.days);
  const log = options.logger ?? silentLogger;
  const queue: Array<{ file: string; manifest: string }> = [];
  /** Files queued or running. */
  const pending = new Set<string>();
  const scans = new Set<Promise<number>>();
  const stats: RotateHookStats = {
    queued: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    timedOut: 0,
    dropped: 0,
    deleted: 0,
  };
  let closed = false;
  let sweepNeeded = false;
  let sweeping: Promise<void> | null = null;
  let idleWaiters: Array<() => void> = [];

  const job = async (file: string, manifest: string): Promise<void> => {
    if (await isHooked(file).catch(() => false)) {
      log.info("rotate hook skipped: already done for this file", { file, manifest });
      return;
    }
    const started = performance.now();
    const result = await runHook([command, ...baseArgs, file, manifest], {
      timeoutMs,
      killGraceMs,
      outputLimit,
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    });
    const fields: Record<string, unknown> = {
      file,
      manifest,
      durationMs: Math.round(performance.now() - started),
    };
    if (result.out !== "") fields.stdout = result.out;
    if (result.err !== "") fields.stderr = result.err;
    if (!result.ok) {
      stats.failed++;
      if (result.reason === "timeout") stats.timedOut++;
      log.error(`rotate hook failed (${result.reason}: ${result.detail})`, {
        ...fields,
        reason: result.reason,
        detail: result.detail,
      });
      return;
    }
    stats.succeeded++;
    log.info("rotate hook succeeded", fields);
    if (hookedMarkerPath(file) === null) return; // not a day file: nothing to mark
    try {
      await markHooked(file, { command: [...argv], at: Date.now() });
      if (options.retention) sweepNeeded = true;
    } catch (error) {
      log.warn("rotate hook could not mark the file as done: it runs again at the next start", {
        file,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };

  const sweep = async (): Promise<void> => {
    const r = options.retention!;
    try {
      const deleted = await sweepRetention(r.dataDir, {
        days: r.days,
        logger: log,
        ...(r.now ? { now: r.now } : {}),
      });
      stats.deleted += deleted.length;
    } catch (error) {
      log.error("retention sweep failed", {
        dataDir: r.dataDir,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };

  const pump = (): void => {
    while (stats.running < concurrency && queue.length > 0) {
      const next = queue.shift()!;
      stats.queued = queue.length;
      stats.running++;
      job(next.file, next.manifest).finally(() => {
        pending.delete(next.file);
        stats.running--;
        pump();
      });
    }
    if (stats.running > 0 || queue.length > 0 || sweeping) return;
    if (sweepNeeded && options.retention) {
      sweepNeeded = false;
      sweeping = sweep().finally(() => {
        sweeping = null;
        pump();
      });
      return;
    }
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const idle = async (): Promise<void> => {
    while (scans.size > 0) await Promise.allSettled([...scans]);
    if (stats.running === 0 && queue.length === 0 && !sweeping) return;
    await new Promise<void>((resolve) => idleWaiters.push(resolve));
  };

  const catchUp = async (dataDir: string): Promise<number> => {
    const found = await findUnhooked(dataDir);
    let queued = 0;
    for (const [i, { file, manifest }] of found.entries()) {
      if (closed) break;
      if (pending.has(file)) continue;
      if (queue.length >= maxQueue) {
        log.warn("rotate hook queue full: the other unhooked files wait for the next start", {
          dataDir,
          left: found.length - i,
        });
        break;
      }
      enqueue(file, manifest);
      queued++;
    }
    return queued;
  };

  const enqueue = (file: string, manifest: string): void => {
    queue.push({ file, manifest });
    pending.add(file);
    stats.queued = queue.length;
    pump();
  };

  return {
    onRotate(file, manifest) {
      if (pending.has(file) && !closed) return true;
      if (closed || queue.length >= maxQueue) {
        stats.dropped++;
        log.error(`rotate hook dropped ${file}: ${closed ? "hook closed" : "queue full"}`, {
          file,
          manifest,
          queued: queue.length,
        });
        return false;
      }
      enqueue(file, manifest);
      return true;
    },
    catchUp(dataDir) {
      const scan = catchUp(dataDir);
      scans.add(scan);
      const done = () => void scans.delete(scan);
      scan.then(done, done);
      return scan;
    },
    stats: () => ({ ...stats }),
    idle,
    close() {
      closed = true;
      return idle();
    },
  };
}
