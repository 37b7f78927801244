/**
 * Declarations of the npm package: tsc writes one `.d.ts` for every file the program reaches,
 * the CLI, broker mode and the web viewer included, which no importer can name (the package's
 * `exports` give only the public entries). Only the declarations an entry's types lead to ship.
 *
 * @module
 */

import { readdirSync, readFileSync, rmdirSync, rmSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import ts from "typescript";

/** The `.d.ts` files that a declaration file imports (relative specifiers, comments skipped). */
function relativeImports(file: string): string[] {
  const { importedFiles, referencedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true);
  return [...importedFiles, ...referencedFiles]
    .map((f) => f.fileName)
    .filter((specifier) => /^\.\.?\//.test(specifier))
    .map((specifier) =>
      normalize(join(dirname(file), specifier.replace(/(\.d)?\.(js|ts)$/, ".d.ts")))
    );
}

/**
 * Removes every `.d.ts` below `dir` that no entry reaches through its imports (also `import()`
 * types and `/// <reference path>`), and the folders left empty.
 *
 * @param dir the declarations folder (`npm/types`).
 * @param entries the public entries' declarations, relative to `dir` (`mod.d.ts`, …).
 * @returns the paths kept and removed, relative to `dir`.
 * @throws {Error} when an entry or a file it imports was not written.
 */
export function pruneDeclarations(
  dir: string,
  entries: string[],
): { kept: string[]; removed: string[] } {
  const all = new Set(ts.sys.readDirectory(dir, [".d.ts"]).map((f) => normalize(f)));
  const reached = new Set<string>();
  const todo = entries.map((e) => ({ file: normalize(join(dir, e)), from: "the entries" }));
  for (let next = todo.pop(); next; next = todo.pop()) {
    if (reached.has(next.file)) continue;
    if (!all.has(next.file)) {
      throw new Error(
        `Cannot prune declarations: ${relative(dir, next.file)}, imported by ${next.from}, ` +
          "was not written",
      );
    }
    reached.add(next.file);
    for (const file of relativeImports(next.file)) {
      todo.push({ file, from: relative(dir, next.file) });
    }
  }
  const removed = [...all].filter((f) => !reached.has(f));
  for (const file of removed) rmSync(file);
  removeEmptyFolders(dir);
  const rel = (files: Iterable<string>) => [...files].map((f) => relative(dir, f)).sort();
  return { kept: rel(reached), removed: rel(removed) };
}

/** Removes the folders below `dir` that hold no file (deepest first); keeps `dir`. */
function removeEmptyFolders(dir: string): boolean {
  let empty = true;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && removeEmptyFolders(path)) rmdirSync(path);
    else empty = false;
  }
  return empty;
}
