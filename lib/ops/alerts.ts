/**
 * Alerts of `collector run` (the `alerts` key): posts to a webhook at start and at a clean stop,
 * when a symbol stays out of sync longer than `outOfSyncMs` (and when it is back), when more than
 * `gapsPerHour` gaps were recorded in the last hour, when writes fail, when free disk space falls
 * under `minFreeBytes` (and when it is back), and once a day a summary of the UTC day that ended.
 *
 * Nothing here is on the record path: conditions are read from the collector's and recorder's
 * counters on a timer, and posting is the {@linkcode AlertSender}'s queue. The same kind and
 * symbol goes out at most once per `repeatAfterMs` ({@linkcode AlertLimiter}).
 *
 * @module
 */
import type { AlertsConfig } from "../cli/config.ts";
import type { Collector } from "../collector/collector.ts";
import type { Logger } from "../util/log.ts";
import { type Alert, type AlertKind, clockTime, duration, someOf } from "./alert_formats.ts";
import { type AlertSample, type AlertSymbolInput, type DaySummary, DayTally } from "./alert_day.ts";
import { AlertLimiter } from "./alert_limiter.ts";
import { AlertSender, type AlertSenderOptions, type AlertSenderStats } from "./alert_sender.ts";
import { freeBytes } from "./disk_space.ts";
import { formatBytes } from "../util/format_bytes.ts";

/** Gap reasons that come with starting up, not counted in the hourly rate. */
const START_REASONS = new Set(["start", "restart", "crash"]);

/** What the alerts read; {@linkcode collectorAlertInput} reads a collector and its recorder. */
export interface AlertInput {
  symbols(): ReadonlyMap<string, AlertSymbolInput>;
  /** Compressed bytes written since start-up. */
  bytesWritten(): number;
  /** Failed writes and records dropped since start-up. */
  writes(): { errors: number; dropped: number };
}

/** Options of {@linkcode startAlerts}. */
export interface AlertsOptions {
  input: AlertInput;
  logger: Logger;
  /** The data directory (its free space is watched, its path named at start). */
  dataDir: string;
  /** Collector version, in the start alert. */
  version: string;
  /** What is recorded, for the start alert (e.g. `"BTCUSDT, ETHUSDT"`). */
  recording: string;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Checks every this often (0: only by {@linkcode Alerts.check}). Default from `outOfSyncMs`. */
  checkIntervalMs?: number;
  /** Free bytes of a directory. Default {@linkcode freeBytes} (`df`). */
  freeBytes?: (dir: string) => Promise<number>;
  /** The daily summary waits this long after 00:00 UTC, for the day files to finish. Default 60 s. */
  summaryDelayMs?: number;
  /** Longest a stop waits for queued alerts to go out. Default 3000. */
  closeGraceMs?: number;
  /** Options of the sender (`fetch`, retries, queue). */
  sender?: Omit<AlertSenderOptions, "logger">;
}

/** Running alerts. */
export interface Alerts {
  /** Looks at every condition now (also run by the timer). */
  check(): void;
  /** Counts a finished day file for the daily summary. */
  fileFinished(date: string): void;
  /** The sender's counters. */
  stats(): AlertSenderStats;
  /** Stops the checks and sends the stop alert; queued alerts keep going out until `close`. */
  stop(): void;
  /** {@linkcode Alerts.stop}, then waits for what is queued, at most `closeGraceMs` after stop. */
  close(): Promise<void>;
}

/** The alerts' view of a collector and its recorder. */
export function collectorAlertInput(
  collector: Collector,
  recorder: {
    readonly stats: { bytesWritten: number; writeErrors: number; droppedRecords: number };
  },
): AlertInput {
  return {
    symbols: () =>
      new Map(
        [...collector.states()].map(([symbol, s]) => [
          symbol,
          { ...s.status(), gapReasons: s.stats.gapReasons },
        ]),
      ),
    bytesWritten: () => recorder.stats.bytesWritten,
    writes: () => ({ errors: recorder.stats.writeErrors, dropped: recorder.stats.droppedRecords }),
  };
}

/** One symbol's current time out of sync. */
interface Episode {
  since: number;
  /** The out-of-sync alert was raised (sent or suppressed). */
  raised: boolean;
  /** It was sent: a back-in-sync alert follows. */
  sent: boolean;
}

/** Starts watching `options.input` and posting what `config` asks for. */
export function startAlerts(config: AlertsConfig, options: AlertsOptions): Alerts {
  const log = options.logger;
  const now = options.now ?? Date.now;
  const startedAt = now();
  const sender = new AlertSender(config.webhook, config, { ...options.sender, logger: log, now });
  const limiter = new AlertLimiter({
    repeatAfterMs: config.repeatAfterMs,
    maxPerHour: config.maxPerHour,
    now,
  });
  const tally = new DayTally(startedAt);
  const episodes = new Map<string, Episode>();
  /** Gaps (not of start-up) per minute: `[minute, by symbol]`, oldest first. */
  const gapMinutes: [number, Map<string, number>][] = [];
  const gapsSeen = new Map<string, number>();
  let writes = options.input.writes();
  let pendingSummary: DaySummary | null = null;
  let diskLow = false;
  let diskBusy = false;
  let diskOff = config.minFreeBytes === 0;
  let lastDisk = -Infinity;
  let stopped = false;

  const alert = (
    kind: AlertKind,
    severity: Alert["severity"],
    text: string,
    fields: Alert["fields"],
    symbol?: string,
  ): Alert => ({ kind, severity, text, fields, at: now(), ...(symbol ? { symbol } : {}) });

  /** Sends `make(admitted)` for the keys the limiter lets through; returns those keys. */
  const limited = (kind: AlertKind, keys: string[], make: (keys: string[]) => Alert): string[] => {
    const admission = limiter.admit(keys.map((k) => `${kind}:${k}`));
    if (!admission) return [];
    const admitted = admission.keys.map((k) => k.slice(kind.length + 1));
    const a = make(admitted);
    let suppressed = 0;
    for (const n of admission.suppressed.values()) suppressed += n;
    const notes: string[] = [];
    if (suppressed > 0) notes.push(`${suppressed} similar alert(s) suppressed before this one`);
    if (admission.heldByCap > 0) {
      notes.push(
        `${admission.heldByCap} alert(s) held back by the limit of ${config.maxPerHour}/h`,
      );
    }
    if (notes.length > 0) {
      a.text += `\n(${notes.join("; ")})`;
      a.fields.suppressed = suppressed;
      a.fields.heldByCap = admission.heldByCap;
    }
    sender.send(a);
    return admitted;
  };

  const outOfSync = (t: number, symbols: ReadonlyMap<string, AlertSymbolInput>) => {
    const due: string[] = [];
    const back: string[] = [];
    for (const [symbol, s] of symbols) {
      const e = episodes.get(symbol);
      if (s.state === "in-sync") {
        if (e?.sent) back.push(symbol);
        episodes.delete(symbol);
      } else if (!e) {
        episodes.set(symbol, { since: s.since, raised: false, sent: false });
      }
      const open = episodes.get(symbol);
      if (open && !open.raised && t - open.since >= config.outOfSyncMs) due.push(symbol);
    }
    for (const symbol of episodes.keys()) if (!symbols.has(symbol)) episodes.delete(symbol);
    const what = (symbol: string) => {
      const s = symbols.get(symbol)!;
      return `${s.state}${s.detail ? `: ${s.detail}` : ""}`;
    };
    if (due.length > 0) {
      for (const symbol of due) episodes.get(symbol)!.raised = true;
      const sent = limited("out-of-sync", due, (list) => {
        const [one] = list;
        const e = episodes.get(one!)!;
        const text = list.length === 1
          ? `${one} out of sync for ${duration(t - e.since)} (${what(one!)}, since ${
            clockTime(e.since)
          })`
          : `${list.length} symbols out of sync for over ${duration(config.outOfSyncMs)}: ${
            someOf(list.map((s) => `${s} (${what(s)})`))
          }`;
        return alert("out-of-sync", "warning", text, {
          symbols: list,
          since: new Date(Math.min(...list.map((s) => episodes.get(s)!.since))).toISOString(),
          thresholdMs: config.outOfSyncMs,
        }, list.length === 1 ? one : undefined);
      });
      for (const symbol of sent) episodes.get(symbol)!.sent = true;
    }
    if (back.length > 0) {
      limited("back-in-sync", back, (list) =>
        alert(
          "back-in-sync",
          "info",
          list.length === 1
            ? `${list[0]} back in sync`
            : `${list.length} symbols back in sync: ${someOf(list)}`,
          { symbols: list },
          list.length === 1 ? list[0] : undefined,
        ));
    }
  };

  const gapRate = (t: number, symbols: ReadonlyMap<string, AlertSymbolInput>) => {
    const minute = Math.floor(t / 60_000);
    for (const [symbol, s] of symbols) {
      let n = 0;
      for (const [reason, count] of Object.entries(s.gapReasons)) {
        if (!START_REASONS.has(reason)) n += count ?? 0;
      }
      const added = n - (gapsSeen.get(symbol) ?? 0);
      gapsSeen.set(symbol, n);
      if (added <= 0) continue;
      if (gapMinutes.at(-1)?.[0] !== minute) gapMinutes.push([minute, new Map()]);
      const m = gapMinutes.at(-1)![1];
      m.set(symbol, (m.get(symbol) ?? 0) + added);
    }
    while (gapMinutes.length > 0 && gapMinutes[0]![0] <= minute - 60) gapMinutes.shift();
    if (config.gapsPerHour === 0) return;
    const bySymbol = new Map<string, number>();
    let total = 0;
    for (const [, m] of gapMinutes) {
      for (const [symbol, n] of m) {
        bySymbol.set(symbol, (bySymbol.get(symbol) ?? 0) + n);
        total += n;
      }
    }
    if (total <= config.gapsPerHour) return;
    const worst = [...bySymbol].sort((a, b) => b[1] - a[1]);
    limited("gap-rate", [""], () =>
      alert(
        "gap-rate",
        "warning",
        `${total} gaps in the last hour (limit ${config.gapsPerHour}), ${bySymbol.size} symbol(s): ${
          someOf(worst.map(([s, n]) => `${s} ${n}`))
        }`,
        {
          gaps: total,
          thresholdPerHour: config.gapsPerHour,
          bySymbol: worst.map(([s, n]) => `${s}:${n}`),
        },
      ));
  };

  const writeErrors = () => {
    const w = options.input.writes();
    const errors = w.errors - writes.errors;
    const dropped = w.dropped - writes.dropped;
    writes = w;
    if (errors <= 0) return;
    limited("write-errors", [""], () =>
      alert(
        "write-errors",
        "critical",
        `${errors} failed write(s) of recording files (${w.errors} since start-up), ${dropped} record(s) dropped: data is being lost`,
        { errors, errorsTotal: w.errors, dropped, droppedTotal: w.dropped },
      ));
  };

  const disk = (t: number) => {
    if (diskOff || diskBusy || t - lastDisk < config.diskCheckIntervalMs) return;
    diskBusy = true;
    lastDisk = t;
    (options.freeBytes ?? freeBytes)(options.dataDir).then((free) => {
      const fields = {
        freeBytes: free,
        minFreeBytes: config.minFreeBytes,
        dataDir: options.dataDir,
      };
      if (free < config.minFreeBytes) {
        diskLow = true;
        limited("disk-space-low", [""], () =>
          alert(
            "disk-space-low",
            "critical",
            `disk space low: ${formatBytes(free)} free for ${options.dataDir} (limit ${
              formatBytes(config.minFreeBytes)
            })`,
            fields,
          ));
      } else if (diskLow && free >= config.minFreeBytes * 1.1) {
        diskLow = false;
        sender.send(
          alert("disk-space-ok", "info", `disk space ok: ${formatBytes(free)} free`, fields),
        );
      }
    }, (error) => {
      // `df` missing (no such program): the check cannot work here; anything else may pass.
      if (error instanceof Deno.errors.NotFound) diskOff = true;
      const why = `${error instanceof Error ? error.message : error}`;
      log.warn(`disk space check failed${diskOff ? " (disk space alerts off)" : ""}`, {
        error: why,
      });
      limited(
        "disk-check-failed",
        [""],
        () =>
          alert("disk-check-failed", "warning", `free disk space cannot be checked: ${why}`, {
            error: why,
          }),
      );
    }).finally(() => diskBusy = false);
  };

  const summaryText = (d: DaySummary) => {
    const reasons = Object.entries(d.gapsByReason).map(([r, n]) => `${r} ${n}`).join(", ");
    const out = Object.entries(d.outOfSyncMs).sort((a, b) => b[1] - a[1]);
    const outMs = out.reduce((sum, [, ms]) => sum + ms, 0);
    return `daily summary ${d.date} (from ${clockTime(d.from)}): ${d.symbols} symbol(s), ${
      formatBytes(d.bytesWritten)
    } written, ${d.gaps} gap(s)${reasons ? ` (${reasons})` : ""}, out of sync ${
      duration(outMs)
    } in all${
      out.length ? ` (${someOf(out.map(([s, ms]) => `${s} ${duration(ms)}`), 3)})` : ""
    }, ${d.writeErrors} write error(s), ${d.filesFinished} day file(s) finished; now ${d.inSyncNow}/${d.symbols} in sync`;
  };

  const check = () => {
    if (stopped) return;
    try {
      const t = now();
      const sample: AlertSample = {
        at: t,
        symbols: options.input.symbols(),
        bytesWritten: options.input.bytesWritten(),
        writeErrors: writes.errors,
      };
      outOfSync(t, sample.symbols);
      gapRate(t, sample.symbols);
      writeErrors();
      disk(t);
      const ended = tally.observe({ ...sample, writeErrors: writes.errors });
      if (ended && config.dailySummary) pendingSummary = ended;
      const due = pendingSummary &&
        t >= Date.parse(`${pendingSummary.date}T00:00:00Z`) + 86_400_000 +
            (options.summaryDelayMs ?? 60_000);
      if (pendingSummary && due) {
        const d = { ...pendingSummary, filesFinished: tally.filesFinished(pendingSummary.date) };
        pendingSummary = null;
        sender.send(alert("daily-summary", "info", summaryText(d), { ...d }));
      }
    } catch (error) {
      log.error("alert check failed", { error: String(error) });
    }
  };

  const interval = options.checkIntervalMs ??
    Math.min(10_000, Math.max(100, Math.floor(config.outOfSyncMs / 4)));
  const timer = interval > 0 ? setInterval(check, interval) : undefined;
  sender.send(
    alert(
      "start",
      "info",
      `collector started (version ${options.version}): recording ${options.recording} into ${options.dataDir}`,
      {
        version: options.version,
        recording: options.recording,
        dataDir: options.dataDir,
        pid: Deno.pid,
      },
    ),
  );
  log.info(`alerts to ${new URL(config.webhook).host} (${config.format})`);
  queueMicrotask(check);

  let closing: Promise<void> | null = null;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    const symbols = options.input.symbols();
    const up = now() - startedAt;
    sender.send(
      alert(
        "stop",
        "info",
        `collector stopping after ${duration(up)}: ${symbols.size} symbol(s), ${
          formatBytes(options.input.bytesWritten())
        } written`,
        { uptimeMs: up, symbols: symbols.size, bytesWritten: options.input.bytesWritten() },
      ),
    );
    closing = sender.close(options.closeGraceMs ?? 3000);
  };
  return {
    check,
    fileFinished: (date) => tally.fileFinished(date),
    stats: () => sender.stats(),
    stop,
    close() {
      stop();
      return closing!;
    },
  };
}
