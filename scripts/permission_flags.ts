/**
 * The collector's permission flags, derived from the one list in `deno.json`
 * (`permissions.collector`). The build bakes these into the binary; tests run `main.ts` with them.
 *
 * @module
 */
import config from "../deno.json" with { type: "json" };

type Grant = boolean | string[];

/** Explicit `--allow-*` flags equal to the `collector` permission set of `deno.json`. */
export function permissionFlags(): string[] {
  const set = (config as { permissions: { collector: Record<string, Grant> } }).permissions
    .collector;
  const flags: string[] = [];
  for (const [name, grant] of Object.entries(set)) {
    if (grant === true) flags.push(`--allow-${name}`);
    else if (Array.isArray(grant) && grant.length > 0) {
      flags.push(`--allow-${name}=${grant.join(",")}`);
    }
  }
  return flags;
}

/** Path of `main.ts`. */
export const MAIN_PATH = new URL("../main.ts", import.meta.url).pathname;

if (import.meta.main) console.log(permissionFlags().join(" "));
