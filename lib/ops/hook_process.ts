/**
 * One run of the rotation hook's command: no shell, stdin closed, its own process group, stdout and
 * stderr captured (bounded), and a time limit after which the group gets SIGTERM, then SIGKILL.
 *
 * @module
 */
import { OutputCapture } from "./output_capture.ts";

/** How a run ended: success (exit code 0), or why not. */
export type HookOutcome =
  | { ok: true }
  | { ok: false; reason: "exit" | "spawn" | "timeout"; detail: string };

/** Options of {@linkcode runHook}. */
export interface HookRunOptions {
  /** A run longer than this gets SIGTERM (the whole group). */
  timeoutMs: number;
  /** Time between SIGTERM and SIGKILL. */
  killGraceMs: number;
  /** Bytes kept of each of stdout and stderr. */
  outputLimit: number;
  /** Working directory; default the process's. */
  cwd?: string;
}

/** Runs `argv` (program first) once; resolves to how it ended and the start of its output. */
export async function runHook(
  argv: readonly string[],
  options: HookRunOptions,
): Promise<HookOutcome & { out: string; err: string }> {
  const { timeoutMs, killGraceMs, outputLimit } = options;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(argv[0]!, {
      args: argv.slice(1),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      // Its own process group, so a timeout kills whatever the hook started too.
      detached: Deno.build.os !== "windows",
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    }).spawn();
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: "spawn", detail, out: "", err: "" };
  }
  const out = new OutputCapture(child.stdout, outputLimit);
  const err = new OutputCapture(child.stderr, outputLimit);
  let timedOut = false;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const kill = (signal: Deno.Signal) => {
    try {
      Deno.kill(-child.pid, signal);
    } catch {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill("SIGTERM");
    killTimer = setTimeout(() => kill("SIGKILL"), killGraceMs);
  }, timeoutMs);
  const status = await child.status;
  clearTimeout(timer);
  clearTimeout(killTimer);
  // A grandchild may hold the pipes open: give the output a moment, then stop reading.
  let outputTimer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.all([out.done, err.done]),
    new Promise((resolve) => (outputTimer = setTimeout(resolve, 1000))),
  ]);
  clearTimeout(outputTimer);
  await Promise.all([out.cancel(), err.cancel()]);
  const texts = { out: out.text(), err: err.text() };
  if (timedOut) {
    return { ok: false, reason: "timeout", detail: `killed after ${timeoutMs} ms`, ...texts };
  }
  if (!status.success) {
    const detail = status.signal !== null
      ? `killed by ${status.signal}`
      : `exit code ${status.code}`;
    return { ok: false, reason: "exit", detail, ...texts };
  }
  return { ok: true, ...texts };
}
