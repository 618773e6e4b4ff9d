/**
 * `deno task build [-- deno compile options]`: compiles `main.ts` into `dist/collector` with the
 * collector's permission flags baked in (`permissions.collector` of `deno.json`). The target is
 * x86_64 Linux unless `--target` is given; other options go to `deno compile` as they are.
 *
 * `deno compile` needs a `denort` base binary of the same Deno version for the target and downloads
 * it when `DENORT_BIN` does not name one. Where there is no internet access, set `DENORT_BIN`.
 *
 * @module
 */
import { MAIN_PATH, permissionFlags } from "./permission_flags.ts";

/** Target compiled for when no `--target` is given. */
export const DEFAULT_TARGET = "x86_64-unknown-linux-gnu";
const ROOT = new URL("..", import.meta.url).pathname;

function has(args: string[], ...names: string[]): boolean {
  return args.some((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));
}

/** The `deno compile` arguments for the build's own `args`. */
export function compileArgs(args: string[]): string[] {
  return [
    "compile",
    ...permissionFlags(),
    ...(has(args, "--target") ? [] : ["--target", DEFAULT_TARGET]),
    ...(has(args, "--output", "-o") ? [] : ["--output", `${ROOT}dist/collector`]),
    ...args,
    MAIN_PATH,
  ];
}

function denortHelp(): string {
  const v = Deno.version.deno;
  return [
    `Set DENORT_BIN=/path/to/denort (the denort binary of Deno ${v} for the target) and run again.`,
    `To get one: run 'deno compile' once on a machine with internet access (it keeps the download`,
    `under dl/ in its DENO_DIR), or unzip denort-<target>.zip from the assets of the Deno v${v} release.`,
  ].join("\n");
}

/** Checks `DENORT_BIN`; returns an error message, or `undefined` when it is unset or a file. */
export async function checkDenortBin(value: string | undefined): Promise<string | undefined> {
  if (value === undefined) return undefined;
  try {
    if ((await Deno.stat(value)).isFile) return undefined;
  } catch {
    // Reported below.
  }
  return `DENORT_BIN is set to ${
    JSON.stringify(value)
  }, which is not an existing file.\n${denortHelp()}`;
}

/** Builds; resolves to the exit code. */
export async function build(args: string[]): Promise<number> {
  const denort = Deno.env.get("DENORT_BIN");
  const problem = await checkDenortBin(denort);
  if (problem) {
    console.error(`error: ${problem}`);
    return 2;
  }
  const compile = compileArgs(args);
  console.error(`deno ${compile.join(" ")}`);
  const child = new Deno.Command(Deno.execPath(), {
    args: compile,
    cwd: ROOT,
    stdin: "null",
    stdout: "inherit",
    stderr: "piped",
  }).spawn();
  // Shown as it comes, and kept to recognise a failed download.
  const [shown, kept] = child.stderr.tee();
  const [, stderr, { code }] = await Promise.all([
    shown.pipeTo(Deno.stderr.writable, { preventClose: true }),
    new Response(kept).text(),
    child.status,
  ]);
  if (code === 0) return await smokeTest(compile, denort);
  if (denort === undefined && /denort|base binary/i.test(stderr)) {
    console.error(
      `\nerror: the build could not download the denort base binary 'deno compile' needs.\n${denortHelp()}`,
    );
  }
  return code;
}

/** The value of option `name` (or its short form) among `deno compile` arguments. */
function optionValue(compile: string[], ...names: string[]): string | undefined {
  for (let i = 0; i < compile.length; i++) {
    const a = compile[i]!;
    if (names.includes(a)) return compile[i + 1];
    const eq = names.find((n) => a.startsWith(`${n}=`));
    if (eq !== undefined) return a.slice(eq.length + 1);
  }
  return undefined;
}

/**
 * Runs the new binary's `version`: a base binary that is not a `denort` (e.g. the full `deno`, which
 * ignores the embedded program and starts its REPL) compiles without error but is not the collector.
 * Skipped for another target than this machine's.
 */
async function smokeTest(compile: string[], denort: string | undefined): Promise<number> {
  const binary = optionValue(compile, "--output", "-o");
  if (binary === undefined || optionValue(compile, "--target") !== Deno.build.target) return 0;
  const path = binary.startsWith("/") ? binary : `${ROOT}${binary}`;
  let out = "";
  try {
    const run = await new Deno.Command(path, {
      args: ["version"],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(20_000),
    }).output();
    out = new TextDecoder().decode(run.stdout);
    if (run.code === 0 && out.startsWith("collector ")) {
      console.error(`built ${binary}: ${out.trim()}`);
      return 0;
    }
  } catch (error) {
    out = (error as Error).message;
  }
  console.error(
    `error: the compiled ${binary} does not run as the collector ('version' printed ${
      JSON.stringify(out.slice(0, 80))
    }).` +
      (denort === undefined
        ? ""
        : `\nDENORT_BIN=${
          JSON.stringify(denort)
        } is probably not a denort binary.\n${denortHelp()}`),
  );
  return 1;
}

if (import.meta.main) Deno.exit(await build(Deno.args));
