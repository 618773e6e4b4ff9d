/**
 * `collector version`.
 *
 * @module
 */
import { UsageError } from "../util/errors.ts";
import { VERSION } from "../version.ts";
import type { Command } from "./command.ts";

/** Prints the program's version and the Deno runtime's. */
export const versionCommand: Command = {
  name: "version",
  summary: "print the version",
  help:
    "Usage: collector version\n\nPrints the collector's version and the Deno runtime it runs on.",
  run(args) {
    if (args.length > 0) throw new UsageError(`Unexpected argument "${args[0]}"`);
    console.log(`collector ${VERSION} (deno ${Deno.version.deno})`);
    return Promise.resolve(0);
  },
};
