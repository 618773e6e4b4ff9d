/**
 * How much of a file's UTC day its replayed book was in sync, and the marked gaps waiting for the
 * book to be in sync again. An in-sync stretch runs from the `E` of the first event applied after
 * a sync to the `E` of the last one applied before sync is lost; stretches are clipped to the day
 * (`docs/FORMAT.md`, "Coverage").
 *
 * @module
 */
import { iso, type MarkedGap } from "./report.ts";

/** The in-sync stretches of one file, in exchange time. */
export class SyncCoverage {
  /** Milliseconds of the day spent in sync in the stretches ended so far. */
  inSyncMs = 0;
  readonly #dayStart: number;
  readonly #dayEnd: number;
  #start: number | null = null;
  #lastApplied: number | null = null;
  #waiting: Array<{ gap: MarkedGap; fromMs: number | null }> = [];

  /** Coverage of the UTC day `[dayStart, dayEnd)`, epoch ms. */
  constructor(dayStart: number, dayEnd: number) {
    this.#dayStart = dayStart;
    this.#dayEnd = dayEnd;
  }

  /** `E` of the last event applied in sync, or `null` before any. */
  get lastAppliedE(): number | null {
    return this.#lastApplied;
  }

  /** An event at `E` was applied in sync; the first one after a sync starts a stretch. */
  applied(E: number): void {
    if (this.#start === null) this.started(E);
    this.#lastApplied = E;
  }

  /**
   * In sync from exchange time `E` (the first event applied after a sync; `null`: none known, no
   * stretch). The gaps waiting end there.
   */
  started(E: number | null): void {
    if (E === null) return;
    this.#start = E;
    this.#lastApplied = E;
    for (const { gap, fromMs } of this.#waiting) {
      gap.to = iso(E);
      if (fromMs !== null) gap.durationMs = E - fromMs;
    }
    this.#waiting = [];
  }

  /** Sync is lost: the stretch, if any, ends at the last applied event. */
  ended(): void {
    const start = this.#start;
    const end = this.#lastApplied;
    this.#start = null;
    if (start === null || end === null) return;
    const clip = (t: number) => Math.min(Math.max(t, this.#dayStart), this.#dayEnd);
    this.inSyncMs += Math.max(0, clip(end) - clip(start));
  }

  /** A gap record whose span runs from `fromMs` (`null`: unknown) to the next stretch's start. */
  waitFor(gap: MarkedGap, fromMs: number | null): void {
    this.#waiting.push({ gap, fromMs });
  }
}
