/**
 * End-to-end: `init --hooks` writes the waiters into a project's `.claude/settings.json` beside
 * the settings already there, `--print` shows them, and `doctor` says which path the project's
 * session will use (no hooks, hooks in an untrusted workspace, hooks in a trusted one).
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { ROOT, sharedDenoDir } from "../support/harness.ts";

function run(
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["run", "-A", join(ROOT, "main.ts"), ...args], {
      cwd,
      env: { NO_COLOR: "1", DENO_DIR: sharedDenoDir(), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "", err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => out += d);
    child.stderr.setEncoding("utf8").on("data", (d: string) => err += d);
    child.once("exit", (code) => resolve({ code, out, err }));
  });
}

describe("init --hooks and doctor's path", () => {
  let dir: string, project: string, home: string, env: Record<string, string>;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "talkie-hooks-setup-"));
    project = join(dir, "project");
    home = join(dir, "home");
    mkdirSync(join(project, ".claude"), { recursive: true });
    mkdirSync(join(home, "bin"), { recursive: true });
    const claude = join(home, "bin", "claude");
    writeFileSync(claude, '#!/bin/sh\necho "2.1.332 (Claude Code)"\n');
    chmodSync(claude, 0o755);
    env = {
      HOME: home,
      PATH: `${join(home, "bin")}:${process.env.PATH}`,
      MY_ROLE: "alpha",
      INTERCOM_PORT: "auto",
      XDG_RUNTIME_DIR: join(dir, "run"),
      XDG_STATE_HOME: join(dir, "state"),
      XDG_CACHE_HOME: join(dir, "cache"),
      TMPDIR: dir,
    };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("--print shows the waiters and writes nothing", async () => {
    const { code, out } = await run(["init", "--hooks", "--print"], project, env);
    assert.equal(code, 0);
    const { hooks } = JSON.parse(out);
    assert.deepEqual(Object.keys(hooks), ["SessionStart", "Stop"]);
    assert.equal(hooks.Stop[0].hooks[0].asyncRewake, true);
    assert.match(hooks.Stop[0].hooks[0].command, /claude-talkie-walkie@\d+\.x hook$/);
  });

  test("without waiters, doctor says messages wait in the inbox and what to run", async () => {
    const { out } = await run(["doctor"], project, env);
    assert.match(out, /^warn +path: no hook waiters here, .*init --hooks, or start claude/m);
  });

  test("init --hooks merges into the project's settings, keeping what is there", async () => {
    const settings = join(project, ".claude", "settings.json");
    writeFileSync(settings, JSON.stringify({ model: "opus", hooks: { Stop: [] } }));
    const first = await run(["init", "--hooks"], project, env);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /^Wrote the talkie-walkie waiters/);
    await run(["init", "--hooks"], project, env);
    const written = JSON.parse(readFileSync(settings, "utf8"));
    assert.equal(written.model, "opus");
    assert.equal(written.hooks.Stop.length, 1, "run twice, still one waiter");
    assert.equal(written.hooks.SessionStart.length, 1);
  });

  test("doctor: hooks in an untrusted workspace warn; in a trusted one the path is hooks", async () => {
    writeFileSync(join(home, ".claude.json"), JSON.stringify({ projects: {} }));
    const untrusted = await run(["doctor"], project, env);
    assert.match(untrusted.out, /^warn +path: hook waiters in .*accept the trust dialog/m);
    writeFileSync(
      join(home, ".claude.json"),
      JSON.stringify({ projects: { [project]: { hasTrustDialogAccepted: true } } }),
    );
    const trusted = await run(["doctor"], project, env);
    assert.match(trusted.out, /^ok +path: hooks \(waiters in .*workspace trusted\)/m);
  });
});
