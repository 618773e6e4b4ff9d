/**
 * The folders under `lib/` form a stack: no folder imports, directly or through other folders, a
 * folder that imports it. Test helpers live in `tests/` (or `*_testing.ts` files), and production
 * code never imports them.
 *
 * @module
 */
import assert from "node:assert/strict";

const LIB = new URL("../lib/", import.meta.url);
const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g;

/** One relative import of a production file under `lib/`. */
interface Import {
  /** Importing file, relative to the repository (`lib/ops/status.ts`). */
  file: string;
  /** The specifier as written (`../util/log.ts`). */
  specifier: string;
  /** The imported file, relative to the repository (`lib/util/log.ts`, `tests/helpers/x.ts`). */
  target: string;
}

function isTestFile(path: string): boolean {
  return path.endsWith("_test.ts") || path.endsWith("_testing.ts");
}

async function* tsFiles(dir: URL, prefix: string): AsyncGenerator<string> {
  const entries = [];
  for await (const entry of Deno.readDir(dir)) entries.push(entry);
  entries.sort((a, b) => a.name < b.name ? -1 : 1);
  for (const entry of entries) {
    if (entry.isDirectory) {
      yield* tsFiles(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`);
    } else if (entry.isFile && entry.name.endsWith(".ts")) {
      yield `${prefix}${entry.name}`;
    }
  }
}

/** Every relative import of every production file under `lib/` (not `*_test.ts`, `*_testing.ts`). */
async function productionImports(): Promise<Import[]> {
  const imports: Import[] = [];
  for await (const file of tsFiles(LIB, "lib/")) {
    if (isTestFile(file)) continue;
    const text = await Deno.readTextFile(new URL(`../${file}`, import.meta.url));
    for (const m of text.matchAll(IMPORT)) {
      const specifier = m[1]!;
      const target = new URL(specifier, `file:///${file}`).pathname.slice(1);
      imports.push({ file, specifier, target });
    }
  }
  return imports;
}

/** The folder of `path` under `lib/` (`lib/ops/status.ts` → `ops`; `lib/version.ts` → `lib`). */
function folderOf(path: string): string | null {
  if (!path.startsWith("lib/")) return null;
  const parts = path.split("/");
  return parts.length > 2 ? parts[1]! : "lib";
}

/** A cycle in the folder graph as folders with the import that makes each step, or null. */
function findCycle(edges: Map<string, Map<string, Import>>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (folder: string): string[] | null => {
    state.set(folder, "open");
    path.push(folder);
    for (const next of [...(edges.get(folder)?.keys() ?? [])].sort()) {
      if (state.get(next) === "open") {
        const loop = [...path.slice(path.indexOf(next)), next];
        return loop.slice(1).map((to, i) => {
          const from = loop[i]!;
          const via = edges.get(from)!.get(to)!;
          return `${from} -> ${to}  (${via.file} imports "${via.specifier}")`;
        });
      }
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    path.pop();
    state.set(folder, "done");
    return null;
  };
  for (const folder of [...edges.keys()].sort()) {
    if (!state.has(folder)) {
      const found = visit(folder);
      if (found) return found;
    }
  }
  return null;
}

Deno.test("lib/ folders import each other without a cycle", async () => {
  const edges = new Map<string, Map<string, Import>>();
  for (const imp of await productionImports()) {
    const from = folderOf(imp.file)!;
    const to = folderOf(imp.target);
    if (to === null || to === from) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from)!.has(to)) edges.get(from)!.set(to, imp);
  }
  const cycle = findCycle(edges);
  assert.equal(cycle, null, `lib/ folders import each other in a cycle:\n${cycle?.join("\n")}`);
});

Deno.test("lib/ production code imports no test helper, and no helper lives in lib/", async () => {
  const bad = (await productionImports())
    .filter(({ target }) =>
      !target.startsWith("lib/") || isTestFile(target) || target.endsWith("/testing.ts")
    )
    .map(({ file, specifier }) => `${file} imports "${specifier}"`);
  assert.deepEqual(bad, []);
  const helpers: string[] = [];
  for await (const file of tsFiles(LIB, "lib/")) {
    if (file.endsWith("/testing.ts")) helpers.push(file);
  }
  assert.deepEqual(helpers, [], "test helpers belong in tests/helpers/ or *_testing.ts files");
});
