/**
 * The operations of `collector run`, assembled in one place from a running collector and its
 * recorder: the metrics, the optional HTTP endpoint (`metricsAddr`: `/metrics`, `/health`,
 * `/book/SYMBOL`), the status line (`statusIntervalMs`, SIGUSR1), clock checks
 * (`clockCheckIntervalMs`: logged, exposed as metrics, and written as a `clock` record into every
 * symbol's file), the rotation hook with retention (`onRotate`, `retentionDays`) and alerts to a
 * webhook (`alerts`). See `docs/OPERATIONS.md`.
 *
 * Order at shutdown: {@linkcode Operations.stop} before the recorder closes (no more clock records,
 * endpoint closed), {@linkcode Operations.close} after it (waits for the hook on the files the
 * recorder finished while closing).
 *
 * @module
 */
import type { CollectorConfig } from "../cli/config.ts";
import type { Collector } from "../collector/collector.ts";
import type { FileFinishedInfo, RecorderStats } from "../storage/recorder_types.ts";
import type { ClockRecord, RecordingRecord } from "../recording/records.ts";
import type { DepthSnapshot } from "../binance/types.ts";
import { type WeightedAnswer, weightedFetch } from "../collector/weighted_fetch.ts";
import type { WeightBudget } from "../collector/weight_budget.ts";
import { type Alerts, type AlertsOptions, collectorAlertInput, startAlerts } from "./alerts.ts";
import { type ClockChecks, startClockChecks } from "./clock.ts";
import { type CollectorMetrics, createCollectorMetrics } from "./collector_metrics.ts";
import { CollectorView } from "./collector_view.ts";
import type { HealthPolicy, HealthReport } from "./health.ts";
import { type LiveView, type OpsServer, serveOps } from "./http_server.ts";
import { LatencyWindow } from "../util/latency.ts";
import { createLiveView } from "./live_view.ts";
import type { Logger } from "../util/log.ts";
import { createRotateHook, type RotateHook, type RotateHookOptions } from "./rotate_hook.ts";
import { startStatus, type StatusFields, type StatusReporter } from "./status.ts";

/** The configuration keys the operations read. */
export type OperationsConfig =
  & Partial<Pick<CollectorConfig, "market">>
  & Pick<
    CollectorConfig,
    | "restUrl"
    | "dataDir"
    | "metricsAddr"
    | "statusIntervalMs"
    | "clockCheckIntervalMs"
    | "onRotate"
    | "retentionDays"
    | "alerts"
    | "symbols"
  >;

/** What the operations need of the recorder (the storage `Recorder` fits). */
export interface OpsRecorder {
  /** Counters since it opened. */
  readonly stats: RecorderStats;
  /** Compressed bytes written since it opened, per symbol (else metrics show the total). */
  readonly bytesBySymbol?: ReadonlyMap<string, number>;
  /** Accepts a record of `symbol` (here: clock records). */
  write(symbol: string, record: RecordingRecord, book: () => DepthSnapshot | null): void;
  /** Set here: called when a day file is finished and its manifest written. */
  onFileFinished?: (info: FileFinishedInfo) => void;
}

/** Options of {@linkcode startOperations}. */
export interface OperationsOptions {
  /** The running collector. */
  collector: Collector;
  /** Its recorder. */
  recorder: OpsRecorder;
  /** Where everything is logged (status lines, clock checks, hook results). */
  logger: Logger;
  /** Version for `collector_build_info`. */
  version: string;
  /** Process start, epoch ms. Default: now. */
  startedAt?: number;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Overrides of the health policy (tests scale it down). */
  healthPolicy?: Partial<HealthPolicy>;
  /** HTTP client of the clock checks. Default: global `fetch`. */
  fetch?: typeof fetch;
  /** Limits of the rotation hook (timeouts, queue); the command comes from the configuration. */
  hook?: Omit<RotateHookOptions, "logger" | "retention">;
  /** Signal for an extra status line; default `"SIGUSR1"`, `null` for none. */
  statusSignal?: Deno.Signal | null;
  /** Timings and HTTP client of the alerts (tests); what to post comes from the configuration. */
  alerts?: Omit<AlertsOptions, "input" | "logger" | "dataDir" | "version" | "recording">;
}

/** Running operations. */
export interface Operations {
  /** The endpoint's bound address (`host:port`), or `null` when `metricsAddr` is off. */
  readonly addr: string | null;
  /** The metrics (also without endpoint). */
  readonly metrics: CollectorMetrics;
  /** What `/health`, `/metrics` and `/book` answer from. */
  readonly view: LiveView;
  /** Exchange minus local time at the last clock check, ms; 0 before the first. */
  clockOffsetMs(): number;
  /** The last successful clock measurement, or `null`. */
  lastClock(): ClockRecord | null;
  /** The health report now. */
  health(): HealthReport;
  /** Logs a status line now and returns its fields; `null` when the status line is off. */
  status(): StatusFields | null;
  /** Stops the status line, clock checks and endpoint, sends the stop alert; files are still hooked. */
  stop(): Promise<void>;
  /** {@linkcode Operations.stop}, then waits for hook jobs and (a few seconds at most) alerts. */
  close(): Promise<void>;
}

/** Request weight of `GET /api/v3/time`. */
const TIME_WEIGHT = 1;

/**
 * `fetch` for the clock checks within the collector's REST budget: no request while the budget is
 * blocked after a 429 or 418 (the exchange bans an IP that keeps sending), the weight counted, and
 * a 429 or 418 answer blocks the snapshots too. `onAnswer` hears each HTTP status (0: none).
 */
export function budgetedFetch(
  budget: WeightBudget,
  options: { fetch?: typeof fetch; now?: () => number; onAnswer?: (status: number) => void },
): typeof fetch {
  return async (input, init) => {
    let answer: WeightedAnswer;
    try {
      answer = await weightedFetch(String(input instanceof Request ? input.url : input), {
        budget,
        weight: TIME_WEIGHT,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.now ? { now: options.now } : {}),
        ...(init?.signal ? { signal: init.signal } : {}),
      });
    } catch (error) {
      options.onAnswer?.(0);
      throw error;
    }
    options.onAnswer?.(answer.response.status);
    return answer.response;
  };
}

/** Starts the operations configured in `config` around a running collector and recorder. */
export async function startOperations(
  config: OperationsConfig,
  options: OperationsOptions,
): Promise<Operations> {
  const { collector, recorder } = options;
  const log = options.logger;
  const now = options.now ?? Date.now;
  const startedAt = options.startedAt ?? now();
  const view = new CollectorView(collector, recorder, { startedAt, now });
  const metrics = createCollectorMetrics({
    version: options.version,
    startedAt,
    onCollectError: (name, error) =>
      log.error(`metric ${name} could not be read`, { error: String(error) }),
  });
  metrics.watchSymbols(() => [...collector.states().values()].map((s) => s.status().state));
  metrics.watchLag(new LatencyWindow(view.lagHistogram(), now()), now);
  view.registerSymbolMetrics(metrics.registry);
  const live = createLiveView({
    registry: metrics.registry,
    healthInput: () => view.healthInput(),
    book: (symbol, depth) => view.book(symbol, depth),
    ...(options.healthPolicy ? { policy: options.healthPolicy } : {}),
    now,
  });
  metrics.watchHealth(() => live.health());
  const liveView: LiveView = {
    ...live,
    metricsText: () => {
      view.updateMetrics(metrics);
      return metrics.registry.render();
    },
  };

  let alerts: Alerts | null = null;
  // Set synchronously, before the recorder finishes the past days' files it found (a tick later):
  // the hook and the alerts' daily summary hear finished files.
  const finished: ((info: FileFinishedInfo) => void)[] = [];
  recorder.onFileFinished = (f) => {
    for (const hear of finished) hear(f);
  };

  let hook: RotateHook | null = null;
  if (config.onRotate !== null) {
    const retention = config.retentionDays > 0
      ? { retention: { dataDir: config.dataDir, days: config.retentionDays } }
      : {};
    hook = createRotateHook(config.onRotate, { ...options.hook, logger: log, ...retention });
    const h = hook;
    metrics.watchHook(() => h.stats());
    finished.push((f) => void h.onRotate(f.path, f.manifestPath));
    // The queue lives in memory: what a previous process left unhooked (killed, failed) runs now.
    h.catchUp(config.dataDir).then(
      (queued) => {
        if (queued > 0) log.info(`rotate hook: ${queued} finished day files not hooked yet`);
      },
      (error) => log.error("rotate hook cannot look for unhooked files", { error }),
    );
  } else if (config.retentionDays > 0) {
    log.warn("retentionDays is ignored without onRotate: files are kept", {
      retentionDays: config.retentionDays,
    });
  }

  let stopped = false;
  let clock: ClockChecks | null = null;
  const writeClock = (record: ClockRecord) => {
    metrics.observeClock(record);
    metrics.clockChecks.inc({ result: "ok" });
    if (stopped) return;
    for (const symbol of collector.states().keys()) {
      recorder.write(symbol, record, () => collector.books(symbol));
    }
  };
  // clock.ts reports a failed check only through its log line: count it there.
  const clockLog: Logger = {
    debug: (msg, fields) => log.debug(msg, fields),
    info: (msg, fields) => log.info(msg, fields),
    warn: (msg, fields) => {
      if (msg.startsWith("clock check failed")) metrics.clockChecks.inc({ result: "error" });
      log.warn(msg, fields);
    },
    error: (msg, fields) => log.error(msg, fields),
    child: (fields) => log.child(fields),
  };
  // The first check waits for the symbols, so that its record goes into every file.
  if (config.clockCheckIntervalMs > 0) {
    collector.ready.then(() => {
      if (stopped) return;
      clock = startClockChecks(config.restUrl, writeClock, {
        ...(config.market ? { market: config.market } : {}),
        intervalMs: config.clockCheckIntervalMs,
        logger: clockLog,
        fetch: budgetedFetch(collector.restBudget(), {
          ...(options.fetch ? { fetch: options.fetch } : {}),
          now,
          onAnswer: (status) =>
            metrics.restRequests.inc({ endpoint: "time", code: status ? String(status) : "error" }),
        }),
      });
    }, () => {});
  }

  let status: StatusReporter | null = null;
  if (config.statusIntervalMs > 0) {
    status = startStatus(view.statusSource(), log, {
      intervalMs: config.statusIntervalMs,
      now,
      ...(options.statusSignal !== undefined ? { signal: options.statusSignal } : {}),
    });
  }

  let server: OpsServer | null = null;
  if (config.metricsAddr !== null) {
    try {
      server = await serveOps(config.metricsAddr, liveView, { logger: log });
    } catch (error) {
      stopped = true;
      status?.stop();
      await (clock as ClockChecks | null)?.stop();
      throw error;
    }
  }

  // After the endpoint is bound: a configuration that cannot start sends nothing.
  if (config.alerts !== null) {
    const a = startAlerts(config.alerts, {
      ...options.alerts,
      input: collectorAlertInput(collector, recorder),
      logger: log,
      dataDir: config.dataDir,
      version: options.version,
      recording: config.symbols === "all" ? "all trading symbols" : config.symbols.join(", "),
    });
    alerts = a;
    finished.push((f) => a.fileFinished(f.date));
  }

  let stopping: Promise<void> | null = null;
  const stop = () =>
    stopping ??= (async () => {
      // Not waiting for the clock checks to start: `ready` may never come (discovery retrying).
      stopped = true;
      status?.stop();
      alerts?.stop();
      await (clock as ClockChecks | null)?.stop();
      await server?.close();
    })();

  return {
    addr: server?.addr ?? null,
    metrics,
    view: liveView,
    clockOffsetMs: () => (clock as ClockChecks | null)?.last?.offsetMs ?? 0,
    lastClock: () => (clock as ClockChecks | null)?.last ?? null,
    health: () => liveView.health(),
    status: () => status?.emit() ?? null,
    stop,
    async close() {
      await stop();
      if (hook) {
        const s = hook.stats();
        if (s.queued + s.running > 0) {
          log.info(`waiting for ${s.queued + s.running} rotate hook job(s)`, {
            queued: s.queued,
            running: s.running,
          });
        }
        await hook.close();
      }
      await alerts?.close();
    },
  };
}
