import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as esbuild from "esbuild";
import { trimPackages, zodNamespace } from "../../scripts/_bundle_trim.ts";

const root = new URL("../..", import.meta.url).pathname;
after(() => esbuild.stop());

/** Bundles `contents` (as a file at the repository root) with `trimPackages`; resolves to the code. */
async function bundleOf(contents: string): Promise<string> {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: root, sourcefile: join(root, "input.ts"), loader: "ts" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    logLevel: "silent",
    plugins: [trimPackages(root)],
  });
  return result.outputFiles[0].text;
}

const sdk = join(root, "node_modules/@modelcontextprotocol/sdk/dist/esm");

test("trimPackages fails the build when our code or another package imports Ajv, Zod 3 or tweetnacl", async () => {
  for (
    const name of ["ajv", "ajv-formats/dist/limit.js", "zod/v3", "zod-to-json-schema", "tweetnacl"]
  ) {
    await assert.rejects(
      bundleOf(`import * as x from "${name}"; console.log(x);`),
      (e: Error) => e.message.includes(`${name} must not be bundled`),
      name,
    );
  }
});

test("trimPackages gives the SDK's Server the elicitation schema validator, and no Ajv", async () => {
  const code = await bundleOf(
    `import { Server } from "${sdk}/server/index.js"; console.log(Server);`,
  );
  assert.match(code, /Cannot validate against this JSON Schema/);
  assert.doesNotMatch(code, /\$async|unknownFormats|strictTuples/, "no Ajv code");
  assert.doesNotMatch(code, /ZodFirstPartyTypeKind|openApi3/, "no Zod 3, no zod-to-json-schema");
});

test("trimPackages lets nkeys sign with node:crypto instead of tweetnacl", async () => {
  const code = await bundleOf(
    `import { nkeys } from "@nats-io/nats-core"; console.log(nkeys.createUser().getPublicKey());`,
  );
  assert.match(code, /302e020100300506032b657004220420/, "the Ed25519 PKCS #8 header");
  assert.doesNotMatch(code, /no PRNG/, "no tweetnacl");
});

test("zodNamespace: a namespace import bundles only the parts of zod a schema uses; the named one fails the build", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ctw-zod-"));
  try {
    const file = join(dir, "schema.ts");
    const build = async (importLine: string) => {
      writeFileSync(
        file,
        `${importLine}\nconsole.log(z.object({ a: z.string() }).parse({ a: "x" }));\n`,
      );
      const result = await esbuild.build({
        entryPoints: [file],
        nodePaths: [join(root, "node_modules")],
        bundle: true,
        write: false,
        format: "esm",
        minify: true,
        logLevel: "silent",
        plugins: [zodNamespace],
      });
      return result.outputFiles[0].contents.length;
    };
    const trimmed = await build('import * as z from "zod";');
    await assert.rejects(build('import { z } from "zod";'), /import \* as z from "zod"/);
    const whole = await esbuild.build({
      entryPoints: [file],
      nodePaths: [join(root, "node_modules")],
      bundle: true,
      write: false,
      format: "esm",
      minify: true,
      logLevel: "silent",
    });
    const size = whole.outputFiles[0].contents.length;
    assert.ok(trimmed < size * 0.8, `${trimmed} bytes as a namespace, ${size} by name`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
