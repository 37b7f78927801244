/**
 * esbuild plugins that keep code the node never runs out of the npm bundle. The MCP SDK imports
 * it statically, so tree-shaking cannot drop it:
 *
 * - Ajv and ajv-formats (about 130 kB), the SDK's default JSON Schema validator: the bundle gets
 *   `src/platform/json_schema_refusal.ts` in place of `validation/ajv-provider.js`, which
 *   refuses to validate (the node elicits no input and its tools declare no output schema).
 * - Zod 3 and zod-to-json-schema (about 75 kB), which the SDK keeps for servers written with
 *   Zod 3 schemas: every schema of the node is Zod 4. In their place, functions that throw.
 *
 * Any other import of these packages fails the build, so they cannot come back unnoticed.
 *
 * And {@linkcode zodNamespace} lets esbuild drop the parts of Zod 4 no schema uses (about 90 kB).
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type * as esbuild from "esbuild";

/** Packages that must not be bundled (the SDK's imports of them are redirected below). */
export const LEFT_OUT = ["ajv", "ajv-formats", "zod-to-json-schema", "zod/v3"];

const NAMESPACE = "trimmed";
const fromSdk = (importer: string) => /node_modules\/@modelcontextprotocol\/sdk\//.test(importer);

/** What the bundle holds in place of each redirected import, by virtual path. */
const STUBS: Record<string, (root: string) => string> = {
  "ajv-provider": (root) =>
    `export { RefusingJsonSchemaValidator as AjvJsonSchemaValidator } from ${
      JSON.stringify(join(root, "src/platform/json_schema_refusal.ts"))
    };`,
  // The SDK's zod-compat.js calls `object` only when every value of a shape is a Zod 3 schema.
  "zod-v3": () =>
    `export function object() {
  throw new Error("Cannot build a Zod 3 object schema: this build of claude-talkie-walkie carries Zod 4 only");
}`,
  // The SDK's zod-json-schema-compat.js calls it only for a Zod 3 schema.
  "zod-to-json-schema": () =>
    `export function zodToJsonSchema() {
  throw new Error("Cannot convert a Zod 3 schema to JSON Schema: this build of claude-talkie-walkie carries Zod 4 only");
}`,
};

/**
 * Redirects the SDK's imports of Ajv, Zod 3 and zod-to-json-schema to the stubs above and fails
 * the build on any other import of {@linkcode LEFT_OUT}.
 *
 * @param root repository root (where `src/platform/json_schema_refusal.ts` is).
 */
export function trimSdk(root: string): esbuild.Plugin {
  return {
    name: "trim-sdk",
    setup(build) {
      build.onResolve(
        { filter: /\/validation\/ajv-provider\.js$/ },
        (args) =>
          fromSdk(args.importer) ? { path: "ajv-provider", namespace: NAMESPACE } : undefined,
      );
      build.onResolve(
        { filter: /^(ajv|ajv-formats|zod-to-json-schema|zod\/v3)(\/.*)?$/ },
        (args) => {
          if (fromSdk(args.importer) && args.path === "zod/v3") {
            return { path: "zod-v3", namespace: NAMESPACE };
          }
          if (fromSdk(args.importer) && args.path === "zod-to-json-schema") {
            return { path: "zod-to-json-schema", namespace: NAMESPACE };
          }
          return {
            errors: [{
              text: `${args.path} must not be bundled (imported by ${args.importer}): ` +
                "scripts/_bundle_trim.ts keeps it out of the npm package",
            }],
          };
        },
      );
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        contents: STUBS[args.path](root),
        resolveDir: root,
        loader: "js",
      }));
    },
  };
}

/** The import of Zod that keeps all of it: `z` is a value holding every export. */
const NAMED_Z = /^import \{ z \} from "zod";$/m;

/**
 * Bundles our `import { z } from "zod"` as `import * as z from "zod"`. Both give the same `z.*`
 * (zod's root module exports each member of `z` by name), but esbuild drops unused exports only
 * behind a namespace import: `z` imported by name is an object it must build whole, every
 * schema type, check and format of Zod 4 with it.
 */
export const zodNamespace: esbuild.Plugin = {
  name: "zod-namespace",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes("/node_modules/")) return undefined;
      const code = await readFile(args.path, "utf8");
      if (!NAMED_Z.test(code)) return undefined;
      return { contents: code.replace(NAMED_Z, 'import * as z from "zod";'), loader: "ts" };
    });
  },
};
