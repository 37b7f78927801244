// Helpers of the Node smoke tests: pack and install npm/, free ports, and a raw stdio MCP
// session that sees every byte the node writes to stdout.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import process from "node:process";
import { promisify } from "node:util";

const root = new URL("../..", import.meta.url).pathname;
const run = promisify(execFile);

/** Environment of every child: ours, minus settings that would change a node's behaviour. */
export function childEnv(extra = {}) {
  const env = { ...process.env, NO_COLOR: "1" };
  for (const key of Object.keys(env)) {
    if (/^(MY_ROLE|PEERS|REMOTE_HOST|INTERCOM_.*)$/.test(key)) delete env[key];
  }
  // Stores go to the state directory, and the bin's Node compile cache would go to the temp
  // folder: all in one directory of this test process, removed when it exits.
  return {
    ...env,
    XDG_CACHE_HOME: testCache,
    XDG_STATE_HOME: join(testCache, "state"),
    NODE_COMPILE_CACHE: join(testCache, "node-compile-cache"),
    ...extra,
  };
}

const testCache = mkdtempSync(join(tmpdir(), "talkie-cache-"));
// The children are gone when the test process exits: their cache goes with them.
process.on("exit", () => rmSync(testCache, { recursive: true, force: true }));

/** Runs a command with a time limit; resolves to {stdout, stderr}, rejects with both. */
export function exec(command, args, options = {}) {
  return run(command, args, { timeout: 120_000, env: childEnv(), ...options });
}

/**
 * Packs npm/ into a fresh temp folder and installs the tarball there like a user would.
 *
 * @returns {dir, tarball, version, files, size, bin}
 */
export async function packAndInstall() {
  const manifestPath = join(root, "npm/package.json");
  if (!existsSync(manifestPath)) {
    throw new Error(
      "npm/ is missing: build it first with `deno task build:npm` (npm test builds it)",
    );
  }
  const { version } = JSON.parse(readFileSync(manifestPath, "utf8"));
  const dir = mkdtempSync(join(tmpdir(), "talkie-walkie-npm-"));
  const { stdout } = await exec("npm", [
    "pack",
    join(root, "npm"),
    "--pack-destination",
    dir,
    "--json",
    "--loglevel=error",
  ]);
  const [packed] = JSON.parse(stdout);
  const tarball = join(dir, packed.filename);
  const app = join(dir, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), '{ "name": "smoke", "private": true }\n');
  await exec(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", tarball],
    { cwd: app },
  );
  const bin = join(app, "node_modules/.bin/claude-talkie-walkie");
  return { dir, app, tarball, version, files: packed.files, size: packed.size, bin };
}

/**
 * Files that loading `entry` (relative to `dir`) loads through static imports, the entry
 * included: what a start pays for before any dynamic `import()`.
 */
export function staticImports(dir, entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(join(dir, file), "utf8");
    // esbuild writes static imports as `import…from"./x.js"` or `import"./x.js"`; dynamic ones
    // as `import("./x.js")`, which this does not follow.
    for (
      const m of code.matchAll(/\bimport\s*(?:[\w{}$,*\s]+?\s*from\s*)?["'](\.{1,2}\/[^"']+)["']/g)
    ) {
      visit(posix.normalize(posix.join(posix.dirname(file), m[1])));
    }
  };
  visit(entry);
  return seen;
}

/** A TCP port that was free on 127.0.0.1 a moment ago; `hold` keeps it taken. */
export function freePort({ hold = false } = {}) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      if (hold) resolve({ port, release: () => new Promise((r) => server.close(r)) });
      else server.close(() => resolve(port));
    });
  });
}

/** Rejects after `ms` with `what` unless `promise` settles first. */
export function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Spawns the bin and speaks JSON-RPC over its stdio by hand. Every stdout line is kept, so a
 * test can check that nothing but JSON-RPC was written.
 */
export function rawSession(bin, env) {
  const child = spawn(bin, [], { env: childEnv(env), stdio: ["pipe", "pipe", "pipe"] });
  const lines = [];
  const waiting = new Map();
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => {
    stdout += chunk;
    let nl;
    while ((nl = stdout.indexOf("\n")) >= 0) {
      const line = stdout.slice(0, nl);
      stdout = stdout.slice(nl + 1);
      lines.push(line);
      try {
        const message = JSON.parse(line);
        waiting.get(message.id)?.(message);
      } catch { /* a test reports non-JSON lines */ }
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk) => stderr += chunk);
  // "close" comes after "exit" once stdout and stderr ended: every line is in by then.
  const exited = new Promise((resolve) => child.on("close", (code) => resolve(code)));
  let nextId = 1;
  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
    /** Resolves to stderr once it matches `pattern`; rejects after `ms`. */
    waitStderr(pattern, ms = 15_000) {
      return within(
        ms,
        `stderr to match ${pattern} (so far: ${stderr})`,
        new Promise((resolve) => {
          const check = () => {
            if (!pattern.test(stderr)) return;
            child.stderr.off("data", check);
            resolve(stderr);
          };
          child.stderr.on("data", check);
          check();
        }),
      );
    },
    send(message) {
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
    },
    /** Sends a request; resolves to its response. */
    request(method, params = {}) {
      const id = nextId++;
      const response = new Promise((resolve) => waiting.set(id, resolve));
      this.send({ id, method, params });
      return within(10_000, `response to ${method}`, response);
    },
    initialize() {
      return this.request("initialize", {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "smoke", version: "0" },
      });
    },
    kill: () => child.exitCode === null && child.kill("SIGKILL"),
  };
}
