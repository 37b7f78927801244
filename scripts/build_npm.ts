/**
 * Builds the npm package into `npm/`: `deno run -A scripts/build_npm.ts` (`deno task build:npm`).
 *
 * tsc (config `tsconfig.build.json`) compiles `main.ts`, `mod.ts`, `viewer/mod.ts` and all they
 * import to `npm/esm/` with declarations, rewriting the `.ts` import extensions (tests and
 * fixtures are never imported, so they stay out). Its lib and types are what Node 20
 * has, and `NOT_IN_NODE_20` covers the globals that `@types/node` 20 declares anyway,
 * so an API Node 20 lacks fails the build. Then it writes `npm/package.json`, the bin files and
 * copies README.md and LICENSE. Pack with `npm pack ./npm`; tests/node/ tests the tarball.
 *
 * @module
 */

import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import ts from "typescript";

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

/** Public entry points: package subpath -> source file (also roots in tsconfig.build.json). */
const ENTRIES: Record<string, string> = { ".": "mod.ts", "./viewer": "viewer/mod.ts" };

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

/** Compiles with tsc into npm/esm; returns false (diagnostics printed) when anything fails. */
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

/** Package names the compiled code imports (bare specifiers, without subpaths). */
function importedPackages(dir: string): Set<string> {
  const names = new Set<string>();
  for (const entry of ts.sys.readDirectory(dir, [".js"])) {
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
 * than a stack trace. The launcher with `import()` is loaded only after the version check.
 */
const BIN = `#!/usr/bin/env node
"use strict";
var version = process.versions.node;
if (Number(version.split(".")[0]) < 20) {
  process.stderr.write("claude-talkie-walkie needs Node.js 20 or newer, this is Node " + version +
    ": install a current Node from https://nodejs.org (or run it with Deno)\\n");
  process.exit(1);
}
require("./launch.cjs");
`;

const LAUNCH = `"use strict";
// Loaded by claude-talkie-walkie.cjs once the Node version is known to be 20 or newer.
import("../esm/src/cli/main.js")
  .then(function (cli) { return cli.main(process.argv.slice(2)); })
  .then(function (code) { process.exitCode = code; }, function (error) {
    process.stderr.write("claude-talkie-walkie: " + ((error && error.stack) || error) + "\\n");
    process.exitCode = 1;
  });
`;

function build(): number {
  const started = performance.now();
  const denoJson = readJson("deno.json");
  const rootPackage = readJson("package.json");
  rmSync(out, { recursive: true, force: true });
  if (!compile()) {
    console.error("npm build failed: tsc reported the errors above");
    return 1;
  }

  rewriteDeclarationImports(join(out, "esm"));
  const exports: Record<string, unknown> = {};
  for (const [subpath, source] of Object.entries(ENTRIES)) {
    const js = `./esm/${source.replace(/\.ts$/, ".js")}`;
    if (!existsSync(join(out, js))) {
      console.error(`npm build failed: ${source} did not compile to ${js} (entry "${subpath}")`);
      return 1;
    }
    exports[subpath] = { types: js.replace(/\.js$/, ".d.ts"), default: js };
  }
  exports["./package.json"] = "./package.json";

  const dependencies: Record<string, string> = rootPackage.dependencies ?? {};
  const missing = [...importedPackages(join(out, "esm"))].filter((n) => !(n in dependencies));
  if (missing.length > 0) {
    console.error(
      `npm build failed: the code imports ${missing.join(", ")}, which package.json does not ` +
        `list in dependencies`,
    );
    return 1;
  }

  const manifest = {
    name: "claude-talkie-walkie",
    version: denoJson.version,
    description: "An N-way bridge between Claude Code sessions over the Channels API: " +
      "an MCP channel server per session, peers talking over HTTP",
    keywords: ["mcp", "claude-code", "channels", "claude", "mcp-server"],
    license: "MIT",
    repository: rootPackage.repository ??
      { type: "git", url: "git+https://github.com/talkie-walkie/claude-talkie-walkie.git" },
    type: "module",
    engines: { node: ">=20" },
    bin: { "claude-talkie-walkie": "bin/claude-talkie-walkie.cjs" },
    exports,
    types: "./esm/mod.d.ts",
    files: ["bin/", "esm/", "CHANGELOG.md", "server.json"],
    dependencies,
  };
  writeFileSync(join(out, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  mkdirSync(join(out, "bin"));
  writeFileSync(join(out, "bin/claude-talkie-walkie.cjs"), BIN, { mode: 0o755 });
  writeFileSync(join(out, "bin/launch.cjs"), LAUNCH);
  for (const file of ["README.md", "LICENSE", "CHANGELOG.md", "server.json"]) {
    if (existsSync(join(root, file))) copyFileSync(join(root, file), join(out, file));
    else console.error(`warning: ${file} is missing, so the package ships without it`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.error(`Built npm/ (claude-talkie-walkie ${denoJson.version}) in ${seconds} s`);
  return 0;
}

if (import.meta.main) process.exitCode = build();
