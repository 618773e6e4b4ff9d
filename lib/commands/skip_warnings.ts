/**
 * Warnings about the damage `replay` and `export` skipped: each on stderr up to a limit, then one
 * summary line; a command that skipped anything exits 1.
 *
 * @module
 */

/** Warnings about skipped lines shown at most. */
const MAX_WARNINGS = 20;

/** Counts skipped lines and prints their warnings to stderr. */
export class SkipWarnings {
  /** Lines (or damage) skipped so far. */
  count = 0;

  /** One skipped line or damage: shown while under the limit. */
  readonly warn = (message: string): void => {
    if (++this.count <= MAX_WARNINGS) console.error(`warning: ${message}`);
  };

  /** The lines not shown and the total, when anything was skipped. */
  summarize(): void {
    if (this.count > MAX_WARNINGS) {
      console.error(`warning: ${this.count - MAX_WARNINGS} more skipped lines not shown`);
    }
    if (this.count > 0) {
      console.error(
        `warning: ${this.count} damaged ${this.count === 1 ? "line" : "lines"} skipped ` +
          "(collector verify lists the damage); exit code 1",
      );
    }
  }
}
