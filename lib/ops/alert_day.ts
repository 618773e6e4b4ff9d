/**
 * The figures of one UTC day for the daily summary alert: gaps by symbol and reason, bytes
 * written, time out of sync per symbol, write errors, day files finished. Counted from the
 * counters the collector and recorder keep since start-up, against baselines taken at 00:00 UTC
 * (or at start-up on the first day); time out of sync is sampled at each check.
 *
 * @module
 */
import { utcDay } from "../recording/records.ts";

/** Where one symbol stands, as the alerts see it. */
export interface AlertSymbolInput {
  state: "in-sync" | "resyncing" | "stale";
  /** When it entered this state, epoch ms. */
  since: number;
  /** Why it is out of sync, when it is. */
  detail?: string;
  /** Gaps recorded since start-up, by reason. */
  gapReasons: Readonly<Partial<Record<string, number>>>;
}

/** One sample of everything the alerts look at. */
export interface AlertSample {
  at: number;
  symbols: ReadonlyMap<string, AlertSymbolInput>;
  /** Compressed bytes written since start-up. */
  bytesWritten: number;
  /** Failed writes since start-up. */
  writeErrors: number;
}

/** A finished day. */
export interface DaySummary {
  date: string;
  /** Start of what was counted: 00:00 UTC, or start-up. */
  from: number;
  symbols: number;
  inSyncNow: number;
  bytesWritten: number;
  gaps: number;
  gapsByReason: Record<string, number>;
  gapsBySymbol: Record<string, number>;
  /** Time out of sync per symbol (only symbols with some), ms. */
  outOfSyncMs: Record<string, number>;
  writeErrors: number;
  filesFinished: number;
}

/** Tallies the current UTC day; {@linkcode DayTally.observe} hands back each day that ended. */
export class DayTally {
  #day: string;
  #from: number;
  #last: number;
  #gapBase = new Map<string, Readonly<Partial<Record<string, number>>>>();
  #bytesBase = 0;
  #errorsBase = 0;
  #outOfSync = new Map<string, number>();
  #finished = new Map<string, number>();
  #first = true;

  /** A tally of the day of `now` (epoch ms), counted from `now`. */
  constructor(now: number) {
    this.#day = utcDay(now);
    this.#from = now;
    this.#last = now;
  }

  /** Counts a day file finished for `date` (the recorder's rotation). */
  fileFinished(date: string): void {
    this.#finished.set(date, (this.#finished.get(date) ?? 0) + 1);
  }

  /** Takes one sample; returns the summary of the day that ended since the last, if one did. */
  observe(sample: AlertSample): DaySummary | null {
    if (this.#first) {
      this.#first = false;
      this.#rebase(sample);
    }
    const step = Math.max(0, sample.at - this.#last);
    this.#last = sample.at;
    for (const [symbol, s] of sample.symbols) {
      if (s.state === "in-sync") continue;
      const ms = Math.min(step, Math.max(0, sample.at - s.since));
      this.#outOfSync.set(symbol, (this.#outOfSync.get(symbol) ?? 0) + ms);
    }
    const day = utcDay(sample.at);
    if (day === this.#day) return null;
    const summary = this.#summary(sample);
    this.#day = day;
    this.#from = Date.parse(`${day}T00:00:00Z`);
    this.#rebase(sample);
    return summary;
  }

  /** Day files finished for `date` so far. */
  filesFinished(date: string): number {
    return this.#finished.get(date) ?? 0;
  }

  #rebase(sample: AlertSample): void {
    this.#gapBase = new Map([...sample.symbols].map(([k, s]) => [k, { ...s.gapReasons }]));
    this.#bytesBase = sample.bytesWritten;
    this.#errorsBase = sample.writeErrors;
    this.#outOfSync.clear();
    // The day just ended stays: its summary reads its count a little later.
    const yesterday = utcDay(this.#from - 86_400_000);
    for (const date of this.#finished.keys()) if (date < yesterday) this.#finished.delete(date);
  }

  #summary(sample: AlertSample): DaySummary {
    const gapsByReason: Record<string, number> = {};
    const gapsBySymbol: Record<string, number> = {};
    let gaps = 0;
    let inSyncNow = 0;
    for (const [symbol, s] of sample.symbols) {
      if (s.state === "in-sync") inSyncNow++;
      const base = this.#gapBase.get(symbol) ?? {};
      for (const [reason, count] of Object.entries(s.gapReasons)) {
        const n = (count ?? 0) - (base[reason] ?? 0);
        if (n <= 0) continue;
        gapsByReason[reason] = (gapsByReason[reason] ?? 0) + n;
        gapsBySymbol[symbol] = (gapsBySymbol[symbol] ?? 0) + n;
        gaps += n;
      }
    }
    return {
      date: this.#day,
      from: this.#from,
      symbols: sample.symbols.size,
      inSyncNow,
      bytesWritten: Math.max(0, sample.bytesWritten - this.#bytesBase),
      gaps,
      gapsByReason,
      gapsBySymbol,
      outOfSyncMs: Object.fromEntries([...this.#outOfSync].filter(([, ms]) => ms > 0)),
      writeErrors: Math.max(0, sample.writeErrors - this.#errorsBase),
      filesFinished: this.filesFinished(this.#day),
    };
  }
}
