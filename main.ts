/**
 * `collector`: records Binance order books. Parses the subcommand, dispatches, maps errors to exit
 * codes (0 ok, 1 the work found a problem, 2 usage or unusable input).
 *
 * @module
 */
import { helpHint } from "./lib/cli/args.ts";
import { EXIT_USAGE, InputError, UsageError } from "./lib/util/errors.ts";
import { COMMANDS, overview } from "./lib/commands/index.ts";

const TOP_HINT = "run 'collector --help' for the list of subcommands";

/** Runs the CLI with `args`; resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined) {
    console.error(overview());
    return EXIT_USAGE;
  }
  if (name === "--help" || name === "-h" || (name === "help" && rest.length === 0)) {
    console.log(overview());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === (name === "--version" ? "version" : name));
  try {
    if (name === "help") return await main([...rest, "--help"]);
    if (!command) {
      throw new UsageError(
        `${name.startsWith("-") ? "Unknown option" : "Unknown subcommand"} ${JSON.stringify(name)}`,
        TOP_HINT,
      );
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      console.log(command.help);
      return 0;
    }
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}`);
      console.error(`hint: ${error.hint ?? helpHint(command?.name ?? "")}`);
      return EXIT_USAGE;
    }
    if (error instanceof InputError) {
      console.error(`error: ${error.message}`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
