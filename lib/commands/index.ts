/**
 * The list of subcommands.
 *
 * @module
 */
import type { Command } from "./command.ts";
import { demoCommand } from "./demo.ts";
import { exportCommand } from "./export.ts";
import { replayCommand } from "./replay.ts";
import { reportCommand } from "./report.ts";
import { runCommand } from "./run.ts";
import { simulateCommand } from "./simulate.ts";
import { verifyCommand } from "./verify.ts";
import { versionCommand } from "./version.ts";

/** Every subcommand, in help order. */
export const COMMANDS: readonly Command[] = [
  runCommand,
  verifyCommand,
  replayCommand,
  exportCommand,
  reportCommand,
  simulateCommand,
  demoCommand,
  versionCommand,
];

/** The top-level help text. */
export function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "collector: records Binance spot order books into daily gzip files, and verifies them.",
    "",
    "Usage: collector <subcommand> [options]   (collector <subcommand> --help for details)",
    "",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join("\n");
}
