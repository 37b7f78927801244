/**
 * esbuild plugins that keep code the node never runs out of the npm bundle. Its packages import
 * it statically, so tree-shaking cannot drop it:
 *
 * - Ajv and ajv-formats (about 130 kB), the MCP SDK's default JSON Schema validator: the bundle
 *   gets `src/platform/elicitation_schema.ts` in place of `validation/ajv-provider.js`, which
 *   checks the flat schemas MCP allows for an elicitation and refuses any other (the node's
 *   tools declare no output schema).
 * - Zod 3 and zod-to-json-schema (about 75 kB), which the SDK keeps for servers written with
 *   Zod 3 schemas: every schema of the node is Zod 4. In their place, functions that throw.
 * - tweetnacl (33 kB), with which the NATS client's nkeys sign (INTERCOM_NATS_CREDS):
 *   `src/platform/nacl_node.ts` does the same with `node:crypto`.
 * - srvx (30 kB), the listener under Deno (`src/http/serve.ts`): under Node the node and the web
 *   viewer listen with `node:http` (`src/http/serve_node.ts`).
 *
 * Any other import of these packages fails the build, so they cannot come back unnoticed.
 *
 * And {@linkcode zodNamespace} keeps the imports of Zod 4 that let esbuild drop what no schema uses (about 90 kB);
 * {@linkcode bannerWhereUsed} keeps the `require` shim only in the files that call `require`.
 *
 * @module
 */

import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type * as esbuild from "esbuild";

/** Packages that must not be bundled (the imports below are redirected). */
export const LEFT_OUT = [
  "ajv",
  "ajv-formats",
  "zod-to-json-schema",
  "zod/v3",
  "tweetnacl",
  "srvx",
];

const NAMESPACE = "trimmed";

/** What the bundle holds in place of an import: a module of ours, or a stub's code. */
type Stand = { file: string } | { code: string };

/** The redirected imports: which importer, which specifier, and what stands in for it. */
const REDIRECTS: { importer: RegExp; path: RegExp; stand: Stand }[] = [
  {
    importer: /node_modules\/@modelcontextprotocol\/sdk\//,
    path: /\/validation\/ajv-provider\.js$/,
    stand: {
      code: `export { ElicitationSchemaValidator as AjvJsonSchemaValidator } from ` +
        `"./src/platform/elicitation_schema.ts";`,
    },
  },
  // The SDK's zod-compat.js calls `object` only when every value of a shape is a Zod 3 schema.
  {
    importer: /node_modules\/@modelcontextprotocol\/sdk\//,
    path: /^zod\/v3$/,
    stand: {
      code: `export function object() {
  throw new Error("Cannot build a Zod 3 object schema: this build of claude-talkie-walkie carries Zod 4 only");
}`,
    },
  },
  // The SDK's zod-json-schema-compat.js calls it only for a Zod 3 schema.
  {
    importer: /node_modules\/@modelcontextprotocol\/sdk\//,
    path: /^zod-to-json-schema$/,
    stand: {
      code: `export function zodToJsonSchema() {
  throw new Error("Cannot convert a Zod 3 schema to JSON Schema: this build of claude-talkie-walkie carries Zod 4 only");
}`,
    },
  },
  // The listener takes srvx (Deno.serve) under Deno only; under Node it serves with node:http.
  {
    importer: /src\/http\/serve\.ts$/,
    path: /^srvx$/,
    stand: {
      code: `export function serve() {
  throw new Error("srvx serves under Deno only: under Node the listener is node:http");
}`,
    },
  },
  {
    importer: /node_modules\/@nats-io\/nkeys\//,
    path: /^tweetnacl$/,
    stand: { file: "src/platform/nacl_node.ts" },
  },
];

const LEFT_OUT_IMPORT = new RegExp(`^(${LEFT_OUT.join("|")})(/.*)?$`);

/**
 * Redirects the imports of {@linkcode REDIRECTS} to what stands in for them, and fails the build
 * on any other import of {@linkcode LEFT_OUT}.
 *
 * @param root repository root (the stand-ins' paths are relative to it).
 */
export function trimPackages(root: string): esbuild.Plugin {
  return {
    name: "trim-packages",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        const i = REDIRECTS.findIndex((r) =>
          r.path.test(args.path) && r.importer.test(args.importer)
        );
        if (i >= 0) {
          const stand = REDIRECTS[i].stand;
          return "file" in stand
            ? { path: join(root, stand.file) }
            : { path: String(i), namespace: NAMESPACE };
        }
        if (!LEFT_OUT_IMPORT.test(args.path)) return undefined;
        return {
          errors: [{
            text: `${args.path} must not be bundled (imported by ${args.importer}): ` +
              "scripts/_bundle_trim.ts keeps it out of the npm package",
          }],
        };
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        contents: (REDIRECTS[Number(args.path)].stand as { code: string }).code,
        resolveDir: root,
        loader: "js",
      }));
    },
  };
}

/** The import of Zod that keeps all of it: `z` is a value holding every export. */
const NAMED_Z = /^import \{ z \} from "zod";$/m;

/**
 * Fails the build on `import { z } from "zod"` in our sources: esbuild drops Zod's unused
 * exports only behind `import * as z from "zod"` (the same `z.*`: zod's root module exports
 * each member of `z` by name); `z` imported by name is an object it must build whole, every
 * schema type, check and format of Zod 4 (about 90 kB).
 */
export const zodNamespace: esbuild.Plugin = {
  name: "zod-namespace",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes("/node_modules/")) return undefined;
      const code = await readFile(args.path, "utf8");
      if (!NAMED_Z.test(code)) return undefined;
      return {
        errors: [{
          text: 'import * as z from "zod" rather than { z }: a named import bundles all of Zod',
        }],
      };
    });
  },
};

/**
 * Removes `banner` (the `require` shim every output file starts with) from the files that never
 * name `require`: esbuild writes the banner into all of them, 45 files at 110 bytes each, while
 * only the chunk with esbuild's CommonJS helper calls it. A file that names `require` in any
 * other way (a method, a word in a message) keeps it, which is harmless.
 *
 * @param root the build's working directory (the metafile's paths are relative to it).
 * @param banner the exact text of `banner.js`.
 */
export function bannerWhereUsed(root: string, banner: string): esbuild.Plugin {
  return {
    name: "banner-where-used",
    setup(build) {
      build.onEnd(async (result) => {
        for (const file of Object.keys(result.metafile?.outputs ?? {})) {
          if (!file.endsWith(".js")) continue;
          const path = join(root, file);
          const code = await readFile(path, "utf8");
          if (!code.startsWith(banner) || /\brequire\b/.test(code.slice(banner.length))) continue;
          await writeFile(path, code.slice(banner.length).replace(/^\n/, ""));
        }
      });
    },
  };
}
