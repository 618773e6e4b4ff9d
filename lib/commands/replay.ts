/**
 * `collector replay` (being built; see its issue).
 *
 * @module
 */
import { UsageError } from "../cli/errors.ts";
import type { Command } from "./command.ts";

/** The `replay` subcommand. */
export const replayCommand: Command = {
  name: "replay",
  summary: "(replay: not built yet)",
  help: "Usage: collector replay",
  run() {
    return Promise.reject(new UsageError('Subcommand "replay" is not built yet'));
  },
};
