/**
 * Runs `main.ts` as the tests see it: `deno run` with the permission flags the build bakes in.
 *
 * @module
 */
import assert from "node:assert/strict";
import { MAIN_PATH, permissionFlags } from "../../scripts/permission_flags.ts";

/** What a run of the collector printed and returned. */
export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `collector ...args` to the end, no stdin, output captured. */
export async function collector(...args: string[]): Promise<Result> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...permissionFlags(), MAIN_PATH, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Asserts a usage error: exit 2, nothing on stdout, `error: …` then a one-line `hint: …`. */
export function assertUsageError(result: Result, ...parts: string[]): void {
  assert.equal(result.code, 2, `exit code, stderr: ${result.stderr}`);
  assert.equal(result.stdout, "");
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 2, `two lines: ${result.stderr}`);
  assert.match(lines[0]!, /^error: [A-Z]/);
  assert.match(lines[1]!, /^hint: \S/);
  for (const part of parts) assert.ok(lines[0]!.includes(part), `"${lines[0]}" lacks ${part}`);
}

/** A running `collector run …args`: its process, the stderr received so far, and its end. */
export function spawnRun(args: string[]): {
  child: Deno.ChildProcess;
  stderr: string[];
  done: Promise<Deno.CommandStatus>;
} {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissionFlags(), MAIN_PATH, "run", ...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr: string[] = [];
  const reading = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void stderr.push(chunk) }),
  );
  return { child, stderr, done: reading.then(() => child.status) };
}

/** The flags that point `collector run` at a simulator and a data directory, for `symbols`. */
export function simulatorArgs(
  sim: { wsUrl: string; url: string },
  dataDir: string,
  symbols: readonly string[],
): string[] {
  return [
    ...["--ws-url", sim.wsUrl, "--rest-url", sim.url],
    ...["--data-dir", dataDir, "--symbols", symbols.join(",")],
  ];
}
