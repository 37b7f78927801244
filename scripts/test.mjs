#!/usr/bin/env node
// The one gate: fmt check, lint, type check, doc lint, `deno test`, the npm build and its Node
// smoke tests. Each step's output streams through; the last line is
// `N passed, N failed, N skipped`, where each gate counts as one check and each test as one.
//
// Usage: node scripts/test.mjs [--quick]   (--quick skips the npm build and Node smoke tests)
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import process from "node:process";

const deno = new URL("../node_modules/.bin/deno", import.meta.url).pathname;
const root = new URL("..", import.meta.url).pathname;
const env = { ...process.env, NO_COLOR: "1" };
const quick = process.argv.includes("--quick");

/** Runs a command, echoing its output; resolves to {code, output}. */
function run(cmd, args) {
  return new Promise((resolve) => {
    process.stderr.write(`\n$ ${[cmd, ...args].join(" ")}\n`);
    const child = spawn(cmd, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
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
const checked = ["main.ts", "mod.ts", "src", "viewer", "tests", "bench", "scripts"];
await gate("deno check", deno, [
  "check",
  "--doc",
  ...checked.filter((p) => existsSync(`${root}${p}`)),
]);
// The public API's documentation: every export and every type it takes has JSDoc.
await gate("deno doc --lint", deno, ["doc", "--lint", "mod.ts", "viewer/mod.ts"]);

{
  const { code, output } = await run(deno, ["test", "-A", "--no-check"]);
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
if (!quick && existsSync(`${root}scripts/build_npm.ts`)) {
  if (await gate("npm build", deno, ["run", "-A", "scripts/build_npm.ts"]) && nodeTests.length) {
    const { code, output } = await run(process.execPath, [
      "--test",
      "--test-reporter=tap",
      ...nodeTests.map((f) => `tests/node/${f}`),
    ]);
    const pass = Number(/^# pass (\d+)/m.exec(output)?.[1] ?? 0);
    const fail = Number(/^# fail (\d+)/m.exec(output)?.[1] ?? 0);
    passed += pass;
    failed += fail;
    skipped += Number(/^# skipped (\d+)/m.exec(output)?.[1] ?? 0);
    if (fail > 0 || code !== 0) failures.push("node smoke tests");
    if (code !== 0 && fail === 0) failed++;
  }
}

if (failures.length) process.stderr.write(`\nFailed: ${failures.join(", ")}\n`);
process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exitCode = failed > 0 ? 1 : 0;
