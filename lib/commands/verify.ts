/**
 * `collector verify` (being built; see its issue).
 *
 * @module
 */
import { UsageError } from "../cli/errors.ts";
import type { Command } from "./command.ts";

/** The `verify` subcommand. */
export const verifyCommand: Command = {
  name: "verify",
  summary: "(verify: not built yet)",
  help: "Usage: collector verify",
  run() {
    return Promise.reject(new UsageError('Subcommand "verify" is not built yet'));
  },
};
