/**
 * Measures the local clock against the exchange's (`GET /api/v3/time`): at start and every
 * `intervalMs` (default 10 min). Each measurement is a `clock` record (see `docs/FORMAT.md`) handed
 * to a callback, which writes it into every symbol's file. `offsetMs` is the server time minus the
 * local time at the middle of the round trip; `rttMs` is the round trip. A failed measurement is
 * logged and retried at the next interval, never fatal.
 *
 * @module
 */
import { USED_WEIGHT_HEADER } from "../binance/limits.ts";
import type { Market } from "../binance/limits.ts";
import { timeUrl } from "../binance/urls.ts";
import { type ClockRecord, receiveTime } from "../recording/records.ts";
import { type Logger, silentLogger } from "../util/log.ts";

/** Default time between measurements. */
export const DEFAULT_CLOCK_CHECK_INTERVAL_MS = 10 * 60_000;

/** Options of {@linkcode measureClock}. */
export interface MeasureClockOptions {
  /** The market whose time endpoint is asked (`/api/v3/time`, usdm `/fapi/v1/time`); spot by default. */
  market?: Market;
  /** The HTTP client (tests inject one). Default: global `fetch`. */
  fetch?: typeof fetch;
  /** Local time, epoch ms, fractional. Default: `receiveTime()`. */
  now?: () => number;
  /** Give up on a request after this long. Default 10 s. */
  timeoutMs?: number;
  /** Aborts the request. */
  signal?: AbortSignal;
  /** Hears the `X-MBX-USED-WEIGHT-1M` header's value when the answer carries it. */
  onUsedWeight?: (weight: number) => void;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** An answer longer than this is cut (the real one is about 30 bytes). */
const MAX_ANSWER_BYTES = 4096;

/** The body's first `limit` bytes as text; the rest is not read. */
async function readBounded(res: Response, limit: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  await reader.cancel().catch(() => {});
  const bytes = new Uint8Array(Math.min(size, limit));
  let at = 0;
  for (const c of chunks) {
    const part = c.subarray(0, bytes.length - at);
    bytes.set(part, at);
    at += part.length;
  }
  return new TextDecoder().decode(bytes);
}

/** One measurement of the local clock against `<restBase>/api/v3/time`. */
export async function measureClock(
  restBase: string,
  options: MeasureClockOptions = {},
): Promise<ClockRecord> {
  const url = timeUrl(restBase, options.market ?? "spot");
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? receiveTime;
  const controller = new AbortController();
  const abort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", abort, { once: true });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const timer = setTimeout(
    () => controller.abort(new Error(`GET ${url} timed out after ${timeoutMs} ms`)),
    timeoutMs,
  );
  try {
    if (options.signal?.aborted) throw options.signal.reason;
    const sent = now();
    const res = await doFetch(url, { signal: controller.signal });
    const received = now();
    const weight = Number(res.headers.get(USED_WEIGHT_HEADER) ?? NaN);
    if (Number.isFinite(weight)) options.onUsedWeight?.(weight);
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`GET ${url} answered HTTP ${res.status}`);
    }
    const text = await readBounded(res, MAX_ANSWER_BYTES);
    let serverTime: unknown;
    try {
      serverTime = (JSON.parse(text) as { serverTime?: unknown })?.serverTime;
    } catch {
      serverTime = undefined;
    }
    if (typeof serverTime !== "number" || !Number.isFinite(serverTime) || serverTime <= 0) {
      throw new Error(
        `Invalid server time answer ${JSON.stringify(text.slice(0, 200))} from ${url}`,
      );
    }
    const midpoint = (sent + received) / 2;
    return {
      type: "clock",
      recv: round3(received),
      serverTime,
      offsetMs: round3(serverTime - midpoint),
      rttMs: round3(received - sent),
    };
  } catch (error) {
    if (controller.signal.aborted && controller.signal.reason instanceof Error) {
      throw controller.signal.reason;
    }
    throw error;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", abort);
  }
}

/** Options of {@linkcode startClockChecks}. */
export interface ClockChecksOptions extends Omit<MeasureClockOptions, "signal"> {
  /** Time between measurements. Default 10 min. */
  intervalMs?: number;
  /** Where measurements and failures are logged. */
  logger?: Logger;
  /** An offset larger than this (either way) is logged as a warning. Default 1000 ms. */
  warnOffsetMs?: number;
}

/** Running periodic clock checks. */
export interface ClockChecks {
  /** The latest successful measurement, or `null`. */
  readonly last: ClockRecord | null;
  /** Measures now (outside the schedule); resolves to the record, or `null` when it failed. */
  checkNow(): Promise<ClockRecord | null>;
  /** Stops the schedule and waits for (aborts) a measurement in flight. */
  stop(): Promise<void>;
}

/**
 * Measures at once, then every `intervalMs` after the previous measurement ended; `onRecord` gets
 * each successful measurement.
 */
export function startClockChecks(
  restBase: string,
  onRecord: (record: ClockRecord) => void,
  options: ClockChecksOptions = {},
): ClockChecks {
  const intervalMs = options.intervalMs ?? DEFAULT_CLOCK_CHECK_INTERVAL_MS;
  if (!(intervalMs > 0)) {
    throw new RangeError(`Invalid clock check interval ${intervalMs} ms: expected more than 0`);
  }
  const log = options.logger ?? silentLogger;
  const warnOffsetMs = options.warnOffsetMs ?? 1000;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<ClockRecord | null> | null = null;
  let last: ClockRecord | null = null;
  let stopped = false;

  const measureOnce = async (): Promise<ClockRecord | null> => {
    try {
      const { intervalMs: _i, logger: _l, warnOffsetMs: _w, ...measure } = options;
      const record = await measureClock(restBase, { ...measure, signal: controller.signal });
      last = record;
      const fields = {
        offsetMs: record.offsetMs,
        rttMs: record.rttMs,
        serverTime: record.serverTime,
      };
      if (Math.abs(record.offsetMs) > warnOffsetMs) {
        log.warn(`local clock is off by ${record.offsetMs} ms from the exchange`, fields);
      } else {
        log.info(`clock offset ${record.offsetMs} ms, rtt ${record.rttMs} ms`, fields);
      }
      try {
        onRecord(record);
      } catch (error) {
        log.error("clock record could not be handed over", { error: String(error) });
      }
      return record;
    } catch (error) {
      if (!stopped) {
        log.warn("clock check failed; retrying at the next interval", {
          error: error instanceof Error ? error.message : String(error),
          retryInMs: intervalMs,
        });
      }
      return null;
    }
  };

  const run = (): Promise<ClockRecord | null> => {
    if (!inFlight) {
      inFlight = measureOnce().finally(() => (inFlight = null));
    }
    return inFlight;
  };

  const loop = async () => {
    await run();
    if (!stopped) timer = setTimeout(loop, intervalMs);
  };
  loop();

  return {
    get last() {
      return last;
    },
    checkNow: () => stopped ? Promise.resolve(null) : run(),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      controller.abort(new Error("Clock checks stopped"));
      await inFlight;
      clearTimeout(timer);
    },
  };
}
