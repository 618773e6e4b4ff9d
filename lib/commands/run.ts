/**
 * `collector run` (being built; see its issue).
 *
 * @module
 */
import { UsageError } from "../cli/errors.ts";
import type { Command } from "./command.ts";

/** The `run` subcommand. */
export const runCommand: Command = {
  name: "run",
  summary: "(run: not built yet)",
  help: "Usage: collector run",
  run() {
    return Promise.reject(new UsageError('Subcommand "run" is not built yet'));
  },
};
