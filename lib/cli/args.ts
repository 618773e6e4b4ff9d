/**
 * Command-line parsing shared by the subcommands: `node:util` `parseArgs` in strict mode, with its
 * errors turned into {@linkcode UsageError}s that carry a one-line hint.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../util/errors.ts";

/** The hint every usage error of a subcommand carries. */
export function helpHint(command: string): string {
  return `run 'collector ${command} --help' for usage`;
}

/**
 * `parseArgs(config)` for subcommand `command`; an unknown flag, a missing value or an unexpected
 * argument becomes a {@linkcode UsageError} naming it, with {@linkcode helpHint}.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(
  command: string,
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw argsError(command, error);
  }
}

function argsError(command: string, error: unknown): unknown {
  if (!(error instanceof TypeError)) return error;
  const code = (error as TypeError & { code?: string }).code ?? "";
  if (!code.startsWith("ERR_PARSE_ARGS_")) return error;
  // Node's messages quote with '…' and run over several sentences; keep the first, quote with "…".
  const message = (error.message.split(/\.(?:\s|$)/)[0] ?? "").replace(/'([^']*)'/g, '"$1"');
  const hint = /ambiguous/.test(error.message)
    ? `write the value as --flag=VALUE when it starts with "-"; ${helpHint(command)}`
    : helpHint(command);
  return new UsageError(message, hint);
}
