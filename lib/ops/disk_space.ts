/**
 * Free space of the file system holding a directory. Deno 2.9 has no `statfs` of its own, and
 * `node:fs`'s needs `--allow-sys`, which the collector does not have; so this runs POSIX
 * `df -P -k DIR` (GNU, BSD and BusyBox all answer it) under the `run` permission it has, with a
 * time limit: `df` on a hung network mount never returns.
 *
 * @module
 */

/** Bytes available to unprivileged users on the file system of `dir`; throws when unknown. */
export async function freeBytes(
  dir: string,
  options: { timeoutMs?: number } = {},
): Promise<number> {
  const output = await new Deno.Command("df", {
    args: ["-P", "-k", dir],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C", POSIXLY_CORRECT: "1" },
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  }).output();
  const decoder = new TextDecoder();
  if (!output.success) {
    const why = decoder.decode(output.stderr).trim().split("\n")[0] || `exit code ${output.code}`;
    throw new Error(`df ${dir} failed: ${why}`);
  }
  return parseDfOutput(decoder.decode(output.stdout));
}

/**
 * Available bytes from the output of `df -P -k`: on the last line, the number before the
 * capacity (`42%`), in KiB. Found from the capacity column rather than by position, so that
 * spaces in the device name or the mount point do not shift it.
 */
export function parseDfOutput(text: string): number {
  const lines = text.trim().split("\n");
  const tokens = lines.at(-1)?.trim().split(/\s+/) ?? [];
  const capacity = tokens.findIndex((t, i) => i >= 4 && /^(\d+%|-)$/.test(t));
  const available = Number(tokens[capacity - 1]);
  if (lines.length < 2 || capacity < 0 || !Number.isSafeInteger(available) || available < 0) {
    throw new Error(`unexpected df output: ${JSON.stringify(text.slice(0, 200))}`);
  }
  return available * 1024;
}
