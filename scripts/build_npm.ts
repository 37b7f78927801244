/**
 * Builds the npm package into `npm/`: `deno run -A scripts/build_npm.ts` (`deno task build:npm`).
 *
 * 1. tsc (config `tsconfig.build.json`) type-checks `main.ts`, the entries (`mod.ts`,
 *    `internal.ts`, `viewer/mod.ts`, `viewer/internal.ts`) and all they import against what
 *    Node 20 has (`NOT_IN_NODE_20` covers the globals that `@types/node` 20 declares anyway)
 *    and writes only declarations, to `npm/types/`; the package keeps those the entries reach,
 *    in one folder (`scripts/_declarations.ts`).
 * 2. esbuild (`scripts/_bundle.ts`) bundles the code and every package it imports into
 *    `npm/dist/`: `cli.js` for the bin (one file: the start-up front end, which loads the node
 *    from `lazy/` once it answered `initialize`) (`hook.js` for its hook waiter), `mod.js`, `viewer.js`
 *    and their `internal` parts for importers, `main.js` for the demo's child nodes, and chunks that load only when asked
 *    (viewer, demo, broker mode), without the code the node never runs (`scripts/_bundle_trim.ts`).
 *    The package has no runtime `dependencies`; the licenses of the bundled code go into
 *    `THIRD_PARTY_LICENSES`. `tests/node/npm_size.test.mjs` keeps it within 1 MB installed.
 * 3. It writes `npm/package.json`, the bin files and copies README.md and LICENSE.
 *
 * Pack with `npm pack ./npm`; tests/node/ tests the tarball.
 *
 * @module
 */

import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import process from "node:process";
import ts from "typescript";
import {
  bundle,
  BUNDLE_ENTRIES,
  bundledPackages,
  frontEndProblems,
  thirdPartyLicenses,
} from "./_bundle.ts";
import { flatName, packDeclarations } from "./_declarations.ts";

const root = new URL("..", import.meta.url).pathname;
const out = join(root, "npm");

/**
 * Globals that `@types/node` 20 declares but Node 20 does not have without a flag. Deno has
 * them, so `deno check` passes code that would throw a ReferenceError under Node 20.
 */
const NOT_IN_NODE_20 = new Map([
  ["EventSource", "read the stream of fetch with an SSE parser (eventsource-parser)"],
  ["WebSocket", "use a WebSocket package"],
]);

/** Public entry points: package subpath -> bundle entry (see `BUNDLE_ENTRIES`). */
const ENTRIES: Record<string, string> = {
  ".": "mod",
  "./internal": "internal",
  "./viewer": "viewer",
  "./viewer/internal": "viewer_internal",
};

/** Oldest Node the package runs on: `node:sqlite` (the store) works unflagged from 22.13. */
const NODE_MIN = "22.13";

const readJson = (path: string) => JSON.parse(readFileSync(join(root, path), "utf8"));

const format = (diagnostics: readonly ts.Diagnostic[]) =>
  ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => "\n",
  });

/** Reports each use of a `NOT_IN_NODE_20` global in the program's own sources. */
function node20Diagnostics(program: ts.Program): ts.Diagnostic[] {
  const checker = program.getTypeChecker();
  const found: ts.Diagnostic[] = [];
  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile || file.fileName.includes("/node_modules/")) continue;
    const visit = (node: ts.Node) => {
      if (ts.isIdentifier(node) && NOT_IN_NODE_20.has(node.text)) {
        const declarations = checker.getSymbolAtLocation(node)?.declarations ?? [];
        if (declarations.some((d) => d.getSourceFile().fileName.includes("/node_modules/"))) {
          found.push({
            category: ts.DiagnosticCategory.Error,
            code: 90020,
            file,
            start: node.getStart(file),
            length: node.text.length,
            messageText: `Node 20 has no global ${node.text} (Deno and newer Node do): ` +
              NOT_IN_NODE_20.get(node.text),
          });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return found;
}

/** Type-checks with tsc and writes declarations to npm/types; returns false (diagnostics printed) when anything fails. */
function compile(): boolean {
  const configPath = join(root, "tsconfig.build.json");
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => console.error(format([d])),
  });
  if (!parsed) return false;
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...node20Diagnostics(program)];
  if (diagnostics.length === 0) diagnostics.push(...program.emit().diagnostics);
  if (diagnostics.length > 0) console.error(format(diagnostics));
  return diagnostics.length === 0;
}

/** Package names that files of `dir` with `extension` import (bare specifiers, no subpaths). */
function importedPackages(dir: string, extension: string): Set<string> {
  const names = new Set<string>();
  for (const entry of ts.sys.readDirectory(dir, [extension])) {
    const { importedFiles } = ts.preProcessFile(readFileSync(entry, "utf8"), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (specifier.startsWith(".") || specifier.startsWith("node:")) continue;
      const parts = specifier.split("/");
      names.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]);
    }
  }
  return names;
}

/**
 * tsc rewrites `.ts` imports in .js but not in .d.ts files. TypeScript 5 resolves them anyway;
 * rewriting them to `.js` keeps the types usable for older tools too.
 */
function rewriteDeclarationImports(dir: string): void {
  for (const entry of ts.sys.readDirectory(dir, [".d.ts"])) {
    let code = readFileSync(entry, "utf8");
    const { importedFiles } = ts.preProcessFile(code, true, true);
    // pos is the opening quote of the specifier.
    for (const { fileName, pos } of importedFiles.reverse()) {
      if (!/^\.\.?\/.*\.ts$/.test(fileName)) continue;
      const start = pos + 1, end = start + fileName.length;
      if (code.slice(start, end) !== fileName) throw new Error(`Cannot rewrite ${fileName}`);
      code = code.slice(0, start) + fileName.replace(/\.ts$/, ".js") + code.slice(end);
    }
    writeFileSync(entry, code);
  }
}

/**
 * The bin: only syntax every Node version parses, so an old Node prints one clear line rather
 * than a stack trace. The launcher with `import()` is loaded only after the version check. Its
 * first line gives Node no V8 flag: any flag there costs Node 22 and 24 about 20 ms at every start
 * (their built-in modules compiled afresh); the node sets its heap flags once `initialize` is
 * answered (`src/platform/heap.ts`).
 */
const BIN = `#!/usr/bin/env node
"use strict";
var version = process.versions.node;
var parts = version.split(".").map(Number);
if (parts[0] < 22 || (parts[0] === 22 && parts[1] < 13)) {
  process.stderr.write("claude-talkie-walkie needs Node.js 22.13 or newer, this is Node " + version +
    ": install a current Node from https://nodejs.org (or run it with Deno)\\n");
  process.exit(1);
}
require("./launch.cjs");
`;

const LAUNCH = `"use strict";
// Loaded by claude-talkie-walkie.cjs once the Node version is known to be 22.13 or newer.
// Node 22 calls node:sqlite experimental on stderr at every start; the store is what it is for.
var emitWarning = process.emitWarning;
process.emitWarning = function (warning, type) {
  if (type === "ExperimentalWarning" && String(warning).indexOf("SQLite") >= 0) return;
  return emitWarning.apply(process, arguments);
};
// Node 22.1+ keeps the compiled bundle on disk between starts (the OS temp folder), so only
// the first start of a version parses it.
var nodeModule = require("node:module");
if (typeof nodeModule.enableCompileCache === "function") {
  try { nodeModule.enableCompileCache(); } catch (e) { /* a read-only temp folder: no cache */ }
}
// The hook waiter runs after every turn: it loads its own small entry, not the node's.
var hook = process.argv[2] === "hook";
import(hook ? "../dist/hook.js" : "../dist/cli.js")
  .then(function (m) {
    return hook ? m.hookMain(process.argv.slice(3)) : m.main(process.argv.slice(2));
  })
  .then(function (code) { process.exitCode = code; }, function (error) {
    process.stderr.write("claude-talkie-walkie: " + ((error && error.stack) || error) + "\\n");
    process.exitCode = 1;
  });
`;

/**
 * Packages whose types the declarations name (the MCP SDK's `Transport`, for one). The bundle
 * holds their code, and the package declares none of them, not even as optional peer
 * dependencies: npm 11 looks those up on the registry for every `npx`, which makes an offline
 * start hang. An importer who wants those types installs the packages; unresolved, they read as
 * `any`. Each must still be a dependency of the project, so its version is known and bundled.
 */
function checkTypePackages(rootPackage: { dependencies?: Record<string, string> }): void {
  const names = [...importedPackages(join(out, "types"), ".d.ts")]
    .filter((n) => !n.startsWith("node:")).sort();
  const versions = rootPackage.dependencies ?? {};
  const unknown = names.filter((n) => !(n in versions));
  if (unknown.length > 0) {
    throw new Error(
      `npm build failed: the declarations name ${unknown.join(", ")}, which package.json does ` +
        "not list in dependencies",
    );
  }
}

async function build(): Promise<number> {
  const started = performance.now();
  const denoJson = readJson("deno.json");
  const rootPackage = readJson("package.json");
  rmSync(out, { recursive: true, force: true });
  if (!compile()) {
    console.error("npm build failed: tsc reported the errors above");
    return 1;
  }
  rewriteDeclarationImports(join(out, "types"));

  const { outputs, inputs, external: imported, front } = await bundle(root, join(out, "dist"));
  const slow = frontEndProblems(front);
  if (slow.length > 0) {
    console.error(`npm build failed: the start-up front end (dist/cli.js) ${slow.join("; ")}`);
    return 1;
  }
  // Only the declarations the public entries' types lead to (not the CLI's, broker mode's, …).
  const typeFiles = Object.values(ENTRIES).map((n) => BUNDLE_ENTRIES[n].replace(/\.ts$/, ".d.ts"));
  try {
    packDeclarations(join(out, "types"), typeFiles);
  } catch (error) {
    console.error(`npm build failed: ${(error as Error).message}`);
    return 1;
  }
  const exports: Record<string, unknown> = {};
  for (const [subpath, name] of Object.entries(ENTRIES)) {
    const js = `./dist/${name}.js`;
    const types = `./types/${flatName(BUNDLE_ENTRIES[name].replace(/\.ts$/, ".d.ts"))}`;
    for (const file of [js, types]) {
      if (!existsSync(join(out, file))) {
        console.error(`npm build failed: ${file} was not built (entry "${subpath}")`);
        return 1;
      }
    }
    exports[subpath] = { types, default: js };
  }
  exports["./package.json"] = "./package.json";
  const external = imported.filter((n) => !n.startsWith("node:") && !builtinModules.includes(n));
  if (external.length > 0) {
    console.error(`npm build failed: the bundle still imports ${external.join(", ")}`);
    return 1;
  }
  const packages = bundledPackages(root, inputs);
  writeFileSync(join(out, "THIRD_PARTY_LICENSES"), thirdPartyLicenses(packages));

  const manifest = {
    name: "claude-talkie-walkie",
    version: denoJson.version,
    description: "An N-way bridge between Claude Code sessions over the Channels API: " +
      "an MCP channel server per session, peers talking over HTTP",
    keywords: ["mcp", "claude-code", "channels", "claude", "mcp-server"],
    license: "MIT",
    repository: rootPackage.repository ??
      { type: "git", url: "git+https://github.com/talkie-walkie/claude-talkie-walkie.git" },
    // The MCP Registry checks mcpName against server.json's name.
    ...(rootPackage.mcpName ? { mcpName: rootPackage.mcpName } : {}),
    ...(rootPackage.homepage ? { homepage: rootPackage.homepage } : {}),
    ...(rootPackage.bugs ? { bugs: rootPackage.bugs } : {}),
    type: "module",
    engines: { node: `>=${NODE_MIN}` },
    bin: { "claude-talkie-walkie": "bin/claude-talkie-walkie.cjs" },
    exports,
    types: "./types/mod.d.ts",
    // No CHANGELOG.md (34 kB, a thirtieth of the package): npm shows the README, whose link
    // to it leads to the repository.
    files: ["bin/", "dist/", "types/", "THIRD_PARTY_LICENSES", "server.json"],
    // No dependencies of any kind: the bundle carries its code (see THIRD_PARTY_LICENSES).
  };
  checkTypePackages(rootPackage);
  writeFileSync(join(out, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  mkdirSync(join(out, "bin"));
  writeFileSync(join(out, "bin/claude-talkie-walkie.cjs"), BIN, { mode: 0o755 });
  writeFileSync(join(out, "bin/launch.cjs"), LAUNCH);
  for (const file of ["README.md", "LICENSE", "server.json"]) {
    if (existsSync(join(root, file))) copyFileSync(join(root, file), join(out, file));
    else console.error(`warning: ${file} is missing, so the package ships without it`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const js = Object.entries(outputs).filter(([f]) => f.endsWith(".js"));
  const kb = (n: number) => `${Math.round(n / 1024)} kB`;
  const entrySizes = Object.keys(BUNDLE_ENTRIES)
    .map((n) => `${n}.js ${kb(outputs[`npm/dist/${n}.js`] ?? 0)}`).join(", ");
  console.error(
    `Built npm/ (claude-talkie-walkie ${denoJson.version}) in ${seconds} s: ${js.length} ` +
      `files of JavaScript, ${kb(js.reduce((a, [, b]) => a + b, 0))} (${entrySizes}), ` +
      `${packages.length} bundled packages`,
  );
  return 0;
}

if (import.meta.main) process.exitCode = await build();
