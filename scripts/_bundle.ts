/**
 * The bundling half of the npm build: esbuild turns the entry points and every package they
 * import into ESM files under `npm/dist/` (shared and lazily loaded code in `npm/dist/chunks/`),
 * and the licenses of the bundled packages go into `THIRD_PARTY_LICENSES`. No source maps: ours
 * alone were 280 kB, a sixth of the installed package, read only to debug a stack trace (which
 * `deno run -A mod.ts` from a checkout gives with source lines).
 *
 * @module
 */

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import * as esbuild from "esbuild";
import { bannerWhereUsed, trimPackages, zodNamespace } from "./_bundle_trim.ts";

/** Output name (without `.js`) -> source file, relative to the repository root. */
export const BUNDLE_ENTRIES: Record<string, string> = {
  cli: "src/cli/main.ts",
  // The hook waiter runs after every turn: its own small entry, node built-ins only.
  hook: "src/cli/hook.ts",
  main: "main.ts",
  mod: "mod.ts",
  internal: "internal.ts",
  viewer: "viewer/mod.ts",
  viewer_internal: "viewer/internal.ts",
};

/**
 * Bundled CommonJS packages (the NATS client, cross-spawn) call `require` for Node built-ins;
 * ESM has no `require`, so the output file that calls it gets one from `createRequire`.
 */
const REQUIRE_SHIM = 'import { createRequire as __twRequire } from "node:module";\n' +
  "const require = __twRequire(import.meta.url);";

/**
 * zod re-exports all of its ~50 error-message locales through its `z` namespace, which the
 * bundle cannot tree-shake (a third of the code the node loads). The node's schemas speak
 * English only, so the locales module becomes English alone.
 */
const englishOnlyZod: esbuild.Plugin = {
  name: "zod-english-only",
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) => {
      if (!/node_modules\/zod\/v4\//.test(args.importer)) return undefined;
      return { path: join(dirname(args.importer), "../locales"), namespace: "zod-locales" };
    });
    build.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: args.path,
    }));
  },
};

/** What {@linkcode bundle} built. */
export interface BundleResult {
  /** Output files (relative to the repository root) and their size in bytes. */
  outputs: Record<string, number>;
  /** Input files of the bundle, relative to the repository root. */
  inputs: string[];
  /** Modules the output imports at run time instead of holding them (`node:` built-ins only). */
  external: string[];
  /** The bin's front end (`cli.js`): what it holds and imports before anything else loads. */
  front: FrontEnd;
}

/** The start-up front end as built: one file, see {@linkcode frontEndProblems}. */
export interface FrontEnd {
  /** Whether it was minified (its size bound holds for minified code only). */
  minified: boolean;
  /** Its size in bytes. */
  bytes: number;
  /** The source files it holds, relative to the repository root. */
  inputs: string[];
  /** What it imports statically (node built-ins, nothing of ours). */
  imports: string[];
}

/** The entry of the bin, built as one file of its own: see {@linkcode bundle}. */
const FRONT = "cli";

/** Most bytes the front end may have; it was 29 kB when this bound was set. */
export const FRONT_MAX_BYTES = 48 * 1024;

/**
 * Node built-ins the front end may import: what reading the configuration and stdin needs. The
 * store (`node:sqlite`), HTTP, `node:crypto` (the configuration loads it only to check an
 * operator key or a TLS pair) and everything from `node_modules` load after `initialize`.
 */
const FRONT_BUILTINS = new Set([
  "node:buffer",
  "node:fs",
  "node:module",
  "node:os",
  "node:path",
  "node:process",
  "node:stream",
  "node:util",
]);

/**
 * Why the front end is not the small start it must be, one line a reason; empty when it is.
 * It must stay under {@linkcode FRONT_MAX_BYTES} (minified), hold no package of `node_modules`
 * (the MCP SDK, zod…) and import only the built-ins of reading the configuration.
 */
export function frontEndProblems(front: FrontEnd): string[] {
  const problems: string[] = [];
  if (front.minified && front.bytes > FRONT_MAX_BYTES) {
    problems.push(`it has ${front.bytes} bytes, more than ${FRONT_MAX_BYTES}`);
  }
  const packages = front.inputs.filter((i) => i.includes("node_modules/"));
  if (packages.length) problems.push(`it holds ${packages.join(", ")}`);
  const imports = front.imports.filter((i) => !FRONT_BUILTINS.has(i));
  if (imports.length) problems.push(`it imports ${imports.join(", ")} before initialize`);
  return problems;
}

/** Where the npm build puts a module that the front end loads later: `lazy/<path>.js`. */
function lazyName(root: string, file: string): string {
  return "lazy/" + relative(root, file).replace(/\.ts$/, "").replaceAll("/", "_");
}

/**
 * Leaves the front end's dynamic imports as imports of entries of the second build (collected
 * in `lazy`, output name -> source), instead of copying the modules into the front end.
 */
function lazyEntries(root: string, lazy: Record<string, string>): esbuild.Plugin {
  return {
    name: "lazy-entries",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind !== "dynamic-import") return undefined;
        const file = resolve(args.resolveDir, args.path);
        const name = lazyName(root, file);
        lazy[name] = relative(root, file);
        return { path: `./${name}.js`, external: true };
      });
    },
  };
}

/**
 * Bundles {@linkcode BUNDLE_ENTRIES} into `outdir` as ESM, in two builds. First the bin's front
 * end (`cli.js`): one file with no shared chunks, which answers `initialize` before the rest
 * loads (Node loads a dozen small chunks measurably slower than one file); its dynamic imports
 * stay imports of `lazy/*.js`. Then everything else with code splitting: the other entries,
 * those `lazy/*.js`, and their dynamic imports (viewer, demo, broker mode, the undici agent of
 * INTERCOM_CA) become chunks that load only when asked. Minified: Node parses half the bytes at
 * start-up. The front end's modules (the configuration) are thus in the package twice.
 *
 * @param root repository root.
 * @param outdir output folder (emptied by the caller).
 * @throws {Error} when esbuild reports errors (they are printed first).
 */
export async function bundle(root: string, outdir: string): Promise<BundleResult> {
  const minify = process.env.BUNDLE_MINIFY !== "0";
  const common: esbuild.BuildOptions = {
    absWorkingDir: root,
    outdir,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22.13",
    sourcemap: false,
    legalComments: "none",
    // BUNDLE_MINIFY=0: readable names in profiles.
    minify,
    banner: { js: REQUIRE_SHIM },
    metafile: true,
    logLevel: "warning",
  };
  try {
    const lazy: Record<string, string> = {};
    const front = await esbuild.build({
      ...common,
      entryPoints: { [FRONT]: BUNDLE_ENTRIES[FRONT] },
      splitting: false,
      plugins: [
        lazyEntries(root, lazy),
        englishOnlyZod,
        zodNamespace,
        bannerWhereUsed(root, REQUIRE_SHIM),
      ],
    });
    const rest = await esbuild.build({
      ...common,
      entryPoints: {
        ...Object.fromEntries(Object.entries(BUNDLE_ENTRIES).filter(([n]) => n !== FRONT)),
        ...lazy,
      },
      splitting: true,
      chunkNames: "chunks/[name]-[hash]",
      plugins: [
        englishOnlyZod,
        trimPackages(root),
        zodNamespace,
        bannerWhereUsed(root, REQUIRE_SHIM),
      ],
    });
    const outputs: Record<string, number> = {};
    const external = new Set<string>();
    let frontEnd: FrontEnd | undefined;
    for (const result of [front, rest]) {
      for (const [file, output] of Object.entries(result.metafile!.outputs)) {
        outputs[file] = output.bytes;
        for (const i of output.imports) {
          if (i.external && !i.path.startsWith(".")) external.add(i.path);
        }
        if (result === front && file.endsWith(`/${FRONT}.js`)) {
          frontEnd = {
            minified: minify,
            bytes: output.bytes,
            inputs: Object.keys(output.inputs),
            imports: output.imports.filter((i) => i.kind === "import-statement").map((i) => i.path),
          };
        }
      }
    }
    const inputs = new Set([
      ...Object.keys(front.metafile!.inputs),
      ...Object.keys(rest.metafile!.inputs),
    ]);
    return { outputs, inputs: [...inputs], external: [...external], front: frontEnd! };
  } finally {
    await esbuild.stop();
  }
}

/** A package that contributed code to the bundle. */
interface BundledPackage {
  name: string;
  version: string;
  license: string;
  /** Text of its license file(s); empty when it ships none. */
  text: string;
}

/** The package folder holding `file` (the innermost `node_modules/<name>` or `/@scope/name`). */
function packageDir(file: string): string | undefined {
  const m = /^(?:[\w-]+:)?(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(file);
  return m?.[1];
}

/** Packages whose files are among `inputs`, sorted by name. */
export function bundledPackages(root: string, inputs: string[]): BundledPackage[] {
  const dirs = new Set<string>();
  for (const input of inputs) {
    const dir = packageDir(input);
    if (dir) dirs.add(dir);
  }
  const found = new Map<string, BundledPackage>();
  for (const dir of dirs) {
    const abs = resolve(root, dir);
    const manifest = JSON.parse(readFileSync(join(abs, "package.json"), "utf8"));
    const licenseFiles = readdirSync(abs).filter((f) => /^(licen[cs]e|copying|notice)/i.test(f))
      .sort();
    const text = licenseFiles.map((f) => readFileSync(join(abs, f), "utf8").trim()).join("\n\n");
    const license = typeof manifest.license === "string"
      ? manifest.license
      : manifest.license?.type ?? "see text";
    found.set(`${manifest.name}@${manifest.version}`, {
      name: manifest.name,
      version: manifest.version,
      license,
      text,
    });
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The text of `THIRD_PARTY_LICENSES`: the list of bundled packages (name, version, SPDX
 * license), then each license text once, headed by the packages that ship it word for word (the
 * NATS packages share their Apache-2.0 text, 11 kB).
 *
 * @throws {Error} when a package ships no license file (its terms must travel with its code).
 */
export function thirdPartyLicenses(packages: BundledPackage[]): string {
  const missing = packages.filter((p) => p.text === "");
  if (missing.length > 0) {
    throw new Error(
      `Cannot write THIRD_PARTY_LICENSES: ${
        missing.map((p) => p.name).join(", ")
      } ship no license file`,
    );
  }
  const head = "Third-party software bundled in claude-talkie-walkie\n" +
    "=====================================================\n\n" +
    "The files in dist/ contain code of the packages below, each under its own license.\n" +
    packages.map((p) => `- ${p.name} ${p.version} (${p.license})`).join("\n") + "\n";
  const byText = Map.groupBy(packages, (p) => p.text);
  const sections = [...byText].map(([text, group]) => {
    const names = group.map((p) => `${p.name} ${p.version} (${p.license})`).join("\n");
    return `\n${"-".repeat(72)}\n${names}\n${"-".repeat(72)}\n\n${text}\n`;
  });
  return head + sections.join("");
}
