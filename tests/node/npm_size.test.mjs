// The package's size and what it holds, on the packed tarball installed like a user installs it:
// at most 1 MB installed (as bench/install.ts measures it), none of the code the build keeps
// out (scripts/_bundle_trim.ts), and declarations that type-check an importer of every entry.
// Needs npm/ built first (`npm test` does that).
import assert from "node:assert/strict";
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, before, test } from "node:test";
import { exec, packAndInstall } from "./_package.mjs";

const root = new URL("../..", import.meta.url).pathname;
/** The budget: bytes on disk of `node_modules` after `npm install <tarball>`. */
const MAX_INSTALLED = 1_000_000;

/** @type {Awaited<ReturnType<typeof packAndInstall>>} */
let pkg;
before(async () => {
  pkg = await packAndInstall();
}, { timeout: 180_000 });
after(() => {
  if (pkg) rmSync(pkg.dir, { recursive: true, force: true });
});

/** Apparent sizes below `path`, folders included, as `du -sb` counts them: path -> bytes. */
function sizes(path, into = new Map()) {
  const stat = lstatSync(path);
  into.set(path, stat.size);
  if (stat.isDirectory()) { for (const name of readdirSync(path)) sizes(join(path, name), into); }
  return into;
}

test("the installed package takes at most 1 MB, folders counted as du counts them", () => {
  const modules = join(pkg.app, "node_modules");
  const all = sizes(modules);
  const total = [...all.values()].reduce((a, b) => a + b, 0);
  const parts = new Map();
  for (const [path, bytes] of all) {
    const part = path.slice(modules.length + 1).split("/").slice(0, 2).join("/") || ".";
    parts.set(part, (parts.get(part) ?? 0) + bytes);
  }
  const report = [...parts].sort((a, b) => b[1] - a[1]).map(([p, b]) => `${p} ${b}`).join("\n");
  assert.ok(total <= MAX_INSTALLED, `${total} bytes installed, over ${MAX_INSTALLED}:\n${report}`);
});

test("the bundle holds no Ajv, Zod 3, zod-to-json-schema, tweetnacl, srvx or source map", () => {
  const home = join(pkg.app, "node_modules/claude-talkie-walkie");
  const licenses = readFileSync(join(home, "THIRD_PARTY_LICENSES"), "utf8");
  for (
    const name of ["ajv", "ajv-formats", "fast-uri", "zod-to-json-schema", "tweetnacl", "srvx"]
  ) {
    assert.doesNotMatch(licenses, new RegExp(`^- ${name} `, "m"), `${name} is not bundled`);
  }
  const files = pkg.files.map((f) => f.path).filter((p) => p.startsWith("dist/"));
  const code = files.map((p) => readFileSync(join(home, p), "utf8")).join("\n");
  // Words of each package's own code that minifying keeps (option names, messages).
  const marks = {
    "Ajv": /\$async|unknownFormats|strictTuples/,
    "Zod 3": /ZodFirstPartyTypeKind/,
    "zod-to-json-schema": /openApi3/,
    "tweetnacl": /no PRNG/,
    "a source map": /sourceMappingURL/,
  };
  for (const [name, mark] of Object.entries(marks)) {
    assert.doesNotMatch(code, mark, `${name} is not in dist/`);
  }
});

test("the declarations type-check an importer of every entry, with real types", async () => {
  const app = pkg.app;
  // The packages the declarations name (the package depends on none of them): an importer who
  // wants their types installs them; here they come from the repository.
  mkdirSync(join(app, "node_modules/@modelcontextprotocol"), { recursive: true });
  for (const name of ["zod", "@modelcontextprotocol/sdk"]) {
    symlinkSync(join(root, "node_modules", name), join(app, "node_modules", name), "dir");
  }
  writeFileSync(
    join(app, "consumer.ts"),
    `import { type Config, type Envelope, loadConfig, parseEnvelope, VERSION } from "claude-talkie-walkie";
import { parsePeers, type PeerTransport, RateLimiter } from "claude-talkie-walkie/internal";
import { initialState, render, type ViewerState } from "claude-talkie-walkie/viewer";
import { Frame } from "claude-talkie-walkie/viewer/internal";

const config: Config = loadConfig(["--role", "lib"], { INTERCOM_SECRET: "x".repeat(32) }, () => "");
// @ts-expect-error: a role is a string (were the types lost, this would be any, and pass)
const wrong: number = config.role;
const state: ViewerState = initialState(["lib"]);
const frame: Frame = render(state, { width: 80, height: 24, now: 0 });
const envelope: Envelope | undefined = undefined;
const transport: PeerTransport | undefined = undefined;
export const used = [wrong, VERSION, frame, envelope, transport, parseEnvelope, parsePeers, RateLimiter];
`,
  );
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        module: "NodeNext",
        moduleResolution: "NodeNext",
        target: "ES2023",
        // DOM: the MCP SDK's declarations name fetch's types.
        lib: ["ES2023", "DOM"],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ["node"],
        typeRoots: [join(root, "node_modules/@types")],
      },
      files: ["consumer.ts"],
    }),
  );
  const tsc = join(root, "node_modules/typescript/bin/tsc");
  const result = await exec(process.execPath, [tsc, "-p", "."], { cwd: app })
    .catch((e) => e);
  assert.equal(result.code ?? 0, 0, `tsc failed:\n${result.stdout}${result.stderr}`);
});
