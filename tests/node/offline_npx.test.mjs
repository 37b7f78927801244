// The packed package starts with the npm registry unreachable and an empty npm cache: the
// published package.json names no dependencies of any kind, so `npx --package=<tgz>` has
// nothing to look up. Two kinds of unreachable: a closed loopback port (a lookup fails at
// once), and a registry that takes connections and never answers, as behind a firewall that
// drops packets (with optional peer dependencies declared, npx waited there for minutes).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { after, before, test } from "node:test";
import { childEnv, exec, freePort, within } from "./_package.mjs";

const root = new URL("../..", import.meta.url).pathname;
let dir;
let tarball;
let env;
/** A registry that accepts connections and never answers. */
let silent;
const sockets = new Set();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "talkie-offline-"));
  const { stdout } = await exec("npm", [
    "pack",
    join(root, "npm"),
    "--pack-destination",
    dir,
    "--json",
    "--loglevel=error",
  ]);
  tarball = join(dir, JSON.parse(stdout)[0].filename);
  const closed = await freePort();
  silent = createServer((socket) => sockets.add(socket));
  await new Promise((resolve) => silent.listen(0, "127.0.0.1", resolve));
  writeFileSync(join(dir, "npmrc"), "");
  mkdirSync(join(dir, "project"));
  env = childEnv({
    npm_config_registry: `http://127.0.0.1:${closed}/`,
    npm_config_cache: join(dir, "npm-cache"),
    npm_config_userconfig: join(dir, "npmrc"),
    npm_config_fetch_retries: "0",
    npm_config_update_notifier: "false",
    npm_config_audit: "false",
    npm_config_fund: "false",
    XDG_RUNTIME_DIR: join(dir, "run"),
  });
}, { timeout: 120_000 });
after(() => {
  for (const socket of sockets) socket.destroy();
  silent?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `npx -y --package=<tarball> claude-talkie-walkie ...args`; resolves to its output. */
function npx(args, input, extraEnv = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["-y", `--package=${tarball}`, "claude-talkie-walkie", ...args], {
      cwd: join(dir, "project"),
      env: { ...env, ...extraEnv },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => stdout += d);
    child.stderr.on("data", (d) => {
      stderr += d;
      // A node that is up: end its session, as Claude Code does when it quits.
      if (input === "close-when-listening" && /listening on http/.test(stderr)) {
        child.stdin.end();
      }
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    if (input !== "close-when-listening") child.stdin.end();
  });
}

test(
  "npx --package=<tgz> --version works with the registry unreachable and an empty cache",
  async () => {
    const version = JSON.parse(readFileSync(join(root, "npm/package.json"), "utf8")).version;
    const result = await within(180_000, "npx --version offline", npx(["--version"]));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), version);
  },
  { timeout: 200_000 },
);

test("npx --package=<tgz> --version does not wait for a registry that never answers", async () => {
  const registry = `http://127.0.0.1:${silent.address().port}/`;
  const result = await within(
    180_000,
    "npx --version with a silent registry",
    npx(["--version"], undefined, {
      npm_config_registry: registry,
      npm_config_cache: join(dir, "npm-cache-silent"),
    }),
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout.trim(), /^\d+\.\d+\.\d+/);
}, { timeout: 200_000 });

test(
  "the packed node starts offline with INTERCOM_PORT=auto alone and ends with its session",
  async () => {
    env = { ...env, INTERCOM_PORT: "auto" };
    const result = await within(180_000, "npx node offline", npx([], "close-when-listening"));
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /"project" listening on http:\/\/127\.0\.0\.1:\d+, peers: every node/,
    );
    assert.equal(result.stdout, "", "nothing but JSON-RPC on stdout (none was asked for)");
  },
  { timeout: 200_000 },
);
