/**
 * `collector demo` (being built; see its issue).
 *
 * @module
 */
import { UsageError } from "../cli/errors.ts";
import type { Command } from "./command.ts";

/** The `demo` subcommand. */
export const demoCommand: Command = {
  name: "demo",
  summary: "(demo: not built yet)",
  help: "Usage: collector demo",
  run() {
    return Promise.reject(new UsageError('Subcommand "demo" is not built yet'));
  },
};
