/**
 * Errors that map to process exit codes (see `main.ts`).
 *
 * @module
 */

/** Exit code: the work succeeded. */
export const EXIT_OK = 0;
/** Exit code: the work found a problem (e.g. verify found damage). */
export const EXIT_PROBLEM = 1;
/** Exit code: usage error or unusable input. */
export const EXIT_USAGE = 2;

/** Bad command line or configuration; `hint` is a one-line pointer to the help. */
export class UsageError extends Error {
  /** Creates a usage error. */
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Input that cannot be used (unreadable file, not a recording…): exit 2. */
export class InputError extends Error {
  /** Creates an input error. */
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}
