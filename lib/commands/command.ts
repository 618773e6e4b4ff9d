/**
 * The shape of a subcommand: its help text and one function that takes the raw arguments after the
 * subcommand name and returns an exit code. Tests call `run` in-process.
 *
 * @module
 */

/** A subcommand of `collector`. */
export interface Command {
  /** Name on the command line, e.g. `"verify"`. */
  name: string;
  /** One line for the overview. */
  summary: string;
  /** Full help text, printed by `--help`. */
  help: string;
  /** Does the work; throws `UsageError`/`InputError` for bad input; resolves to an exit code. */
  run(args: string[]): Promise<number>;
}
