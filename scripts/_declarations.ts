/**
 * Declarations of the npm package. tsc writes one `.d.ts` for every file the program reaches,
 * the CLI, broker mode and the web viewer included, in the folders of the sources. The package
 * ships only the declarations that an entry's types lead to (the package's `exports` name the
 * entries alone), all in one folder: each folder costs an installed package a directory entry
 * (4 kB on ext4), and the sources' tree has 14 of them. The files an importer cannot name lose
 * their `@module` overview (a quarter of their comments, written for who changes the code): every
 * declaration keeps its JSDoc.
 *
 * @module
 */

import { readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import ts from "typescript";

/** A file's leading JSDoc block when it is the `@module` overview (and the line break after it). */
const MODULE_DOC = /^\/\*\*(?:(?!\*\/)[\s\S])*@module(?:(?!\*\/)[\s\S])*\*\/\n?/;

/** A relative import of a declaration file: where its specifier is and which file it names. */
interface Reference {
  /** Offset of the specifier's first character. */
  start: number;
  specifier: string;
  /** The imported declaration file, relative to the declarations folder. */
  target: string;
}

/** The name a declaration file gets in the flat folder: `src/node/config.d.ts` -> `src-node-config.d.ts`. */
export const flatName = (path: string): string => path.replaceAll("/", "-");

/** The relative imports of `file` (also `import()` types and `/// <reference path>`). */
function references(file: string, code: string): Reference[] {
  const { importedFiles, referencedFiles } = ts.preProcessFile(code, true);
  // An import's pos is its opening quote; a reference path's pos is its first character.
  const found = [
    ...importedFiles.map((f) => ({ start: f.pos + 1, specifier: f.fileName })),
    ...referencedFiles.map((f) => ({ start: f.pos, specifier: f.fileName })),
  ].filter((r) => /^\.\.?\//.test(r.specifier));
  return found.map((r) => {
    if (code.slice(r.start, r.start + r.specifier.length) !== r.specifier) {
      throw new Error(`Cannot read the import "${r.specifier}" of ${file}`);
    }
    const path = join(dirname(file), r.specifier.replace(/(\.d)?\.(js|ts)$/, ".d.ts"));
    return { ...r, target: normalize(path) };
  });
}

/**
 * Keeps the declarations below `dir` that `entries` reach through their imports and moves them
 * into `dir` itself under their {@linkcode flatName}, imports rewritten and (but for the entries)
 * without their `@module` overview; removes the rest and the emptied folders.
 *
 * @param dir the declarations folder (`npm/types`).
 * @param entries the entries' declarations, relative to `dir` (`mod.d.ts`, `viewer/mod.d.ts`).
 * @returns the files shipped, relative to `dir`, sorted.
 * @throws {Error} when an entry or a file it imports was not written.
 */
export function packDeclarations(dir: string, entries: string[]): string[] {
  const written = new Set(ts.sys.readDirectory(dir, [".d.ts"]).map((f) => relative(dir, f)));
  const reached = new Map<string, { code: string; references: Reference[] }>();
  entries = entries.map(normalize);
  const todo = entries.map((file) => ({ file, from: "the package's exports" }));
  for (let next = todo.pop(); next; next = todo.pop()) {
    const { file, from } = next;
    if (reached.has(file)) continue;
    if (!written.has(file)) {
      throw new Error(`Cannot pack declarations: ${file}, imported by ${from}, was not written`);
    }
    const code = readFileSync(join(dir, file), "utf8");
    const refs = references(file, code);
    reached.set(file, { code, references: refs });
    for (const r of refs) todo.push({ file: r.target, from: file });
  }
  for (const file of written) rmSync(join(dir, file));
  removeEmptyFolders(dir);
  for (const [file, { code, references: refs }] of reached) {
    let flat = code;
    for (const r of [...refs].sort((a, b) => b.start - a.start)) {
      const extension = /(\.d)?\.(js|ts)$/.exec(r.specifier)?.[0] ?? "";
      const specifier = `./${flatName(r.target).replace(/\.d\.ts$/, extension)}`;
      flat = flat.slice(0, r.start) + specifier + flat.slice(r.start + r.specifier.length);
    }
    if (!entries.includes(file)) flat = flat.replace(MODULE_DOC, "");
    writeFileSync(join(dir, flatName(file)), flat);
  }
  return [...reached.keys()].map(flatName).sort();
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
