/**
 * The health policy behind `/health`: a pure function from what the collector knows (each symbol's
 * sync state and since when, the time of the last WebSocket frame) to healthy or not, with reasons.
 *
 * Unhealthy when any of:
 * - `no-frames`: no WebSocket frame at all (events or pings) for `maxSilenceMs` (default 60 s),
 *   counted from start-up when none ever came;
 * - `symbol-out-of-sync`: one symbol has been out of sync (resyncing or stale) for longer than
 *   `maxOutOfSyncMs` (default 5 min);
 * - `too-many-out-of-sync`: more than `maxOutOfSyncFraction` (default 0.25) of the symbols are out
 *   of sync right now, once the process has been up for `startupGraceMs` (default 2 min);
 * - `no-symbols`: nothing is being recorded;
 * - any problem the collector reports itself (e.g. `write-error`).
 *
 * @module
 */

/** Sync state of one symbol: `stale` means its connection is down or silent. */
export type SymbolState = "in-sync" | "resyncing" | "stale";

/** What the collector knows about one symbol. */
export interface SymbolHealthInput {
  /** Current state. */
  state: SymbolState;
  /** When the symbol entered this state, epoch ms. */
  since: number;
  /** Why it is out of sync, when it is (e.g. the last gap's reason). */
  detail?: string;
}

/** Everything the policy looks at. */
export interface HealthInput {
  /** Process start, epoch ms. */
  startedAt: number;
  /** Last WebSocket frame received on any connection (events or pings), epoch ms, or `null`. */
  lastFrameAt: number | null;
  /** Each recorded symbol. */
  symbols: Readonly<Record<string, SymbolHealthInput>>;
  /** Problems the collector reports on its own (each makes the process unhealthy). */
  problems?: readonly string[];
}

/** Limits of the policy; see the module documentation for the defaults. */
export interface HealthPolicy {
  /** Longest time without any frame. */
  maxSilenceMs: number;
  /** Longest time one symbol may stay out of sync. */
  maxOutOfSyncMs: number;
  /** Largest fraction (0..1) of symbols out of sync at once after the grace period. */
  maxOutOfSyncFraction: number;
  /** Time after start-up during which the fraction rule does not apply. */
  startupGraceMs: number;
}

/** The defaults of {@linkcode HealthPolicy}. */
export const DEFAULT_HEALTH_POLICY: Readonly<HealthPolicy> = {
  maxSilenceMs: 60_000,
  maxOutOfSyncMs: 5 * 60_000,
  maxOutOfSyncFraction: 0.25,
  startupGraceMs: 2 * 60_000,
};

/** One symbol in the report. */
export interface SymbolHealth {
  /** Current state. */
  state: SymbolState;
  /** When it entered the state, epoch ms. */
  since: number;
  /** How long it has been in the state, ms. */
  forMs: number;
  /** False when this symbol alone makes the process unhealthy. */
  ok: boolean;
  /** Why it is out of sync, when the collector said. */
  detail?: string;
}

/** The body of `/health`. */
export interface HealthReport {
  /** Healthy: `/health` answers 200. */
  ok: boolean;
  /** One line per failed rule, empty when healthy. */
  reasons: string[];
  /** Time of the evaluation, epoch ms. */
  checkedAt: number;
  /** Milliseconds since the last frame (since start-up when none came). */
  silentForMs: number;
  /** Symbols in sync. */
  inSync: number;
  /** Symbols resyncing or stale. */
  outOfSync: number;
  /** Each symbol, by name. */
  symbols: Record<string, SymbolHealth>;
}

/** Applies the policy at time `now` (epoch ms). */
export function evaluateHealth(
  input: HealthInput,
  now: number,
  policy: Partial<HealthPolicy> = {},
): HealthReport {
  const p = { ...DEFAULT_HEALTH_POLICY, ...policy };
  const reasons: string[] = [];
  const silentForMs = Math.max(0, now - (input.lastFrameAt ?? input.startedAt));
  if (silentForMs > p.maxSilenceMs) {
    reasons.push(`no-frames: nothing received for ${Math.round(silentForMs / 1000)} s`);
  }
  const symbols: Record<string, SymbolHealth> = {};
  const stuck: string[] = [];
  let inSync = 0;
  for (const [name, s] of Object.entries(input.symbols)) {
    const forMs = Math.max(0, now - s.since);
    const ok = s.state === "in-sync" || forMs <= p.maxOutOfSyncMs;
    if (s.state === "in-sync") inSync++;
    if (!ok) stuck.push(name);
    symbols[name] = { state: s.state, since: s.since, forMs, ok };
    if (s.detail !== undefined) symbols[name].detail = s.detail;
  }
  const total = Object.keys(symbols).length;
  const outOfSync = total - inSync;
  if (total === 0) reasons.push("no-symbols: no symbol is being recorded");
  if (stuck.length > 0) {
    const shown = stuck.slice(0, 10).join(", ") + (stuck.length > 10 ? ", …" : "");
    reasons.push(
      `symbol-out-of-sync: ${stuck.length} out of sync for over ${
        Math.round(p.maxOutOfSyncMs / 1000)
      } s (${shown})`,
    );
  }
  if (
    total > 0 && now - input.startedAt > p.startupGraceMs &&
    outOfSync / total > p.maxOutOfSyncFraction
  ) {
    reasons.push(
      `too-many-out-of-sync: ${outOfSync} of ${total} symbols (over ${
        Math.round(p.maxOutOfSyncFraction * 100)
      }%)`,
    );
  }
  for (const problem of input.problems ?? []) reasons.push(problem);
  return {
    ok: reasons.length === 0,
    reasons,
    checkedAt: now,
    silentForMs,
    inSync,
    outOfSync,
    symbols,
  };
}
