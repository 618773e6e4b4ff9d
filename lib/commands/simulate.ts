/**
 * `collector simulate` (being built; see its issue).
 *
 * @module
 */
import { UsageError } from "../cli/errors.ts";
import type { Command } from "./command.ts";

/** The `simulate` subcommand. */
export const simulateCommand: Command = {
  name: "simulate",
  summary: "(simulate: not built yet)",
  help: "Usage: collector simulate",
  run() {
    return Promise.reject(new UsageError('Subcommand "simulate" is not built yet'));
  },
};
