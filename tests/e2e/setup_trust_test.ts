/**
 * End-to-end: `init` and `doctor` about the files that hold secrets. A `.mcp.json` that is a
 * directory costs one line and a non-zero exit, not a stack trace; a `--secret-file` or an
 * operator private key that other users can read gets a warning from both.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { ROOT } from "../support/harness.ts";

describe("init and doctor about secret files", { skip: process.platform === "win32" }, () => {
  let dir: string;
  let config: string;
  /** Runs the CLI in `dir` (stdin not a terminal, its own config directory). */
  const cli = (args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, ["run", "-A", join(ROOT, "main.ts"), ...args], {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "",
          NO_COLOR: "1",
          XDG_CONFIG_HOME: config,
          XDG_STATE_HOME: join(dir, "state"),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "", err = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => out += d);
      child.stderr.setEncoding("utf8").on("data", (d: string) => err += d);
      child.once("exit", (code) => resolve({ code, out, err }));
    });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "ctw-secret-files-"));
    config = join(dir, "config");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("init with a .mcp.json that is a directory: one line, exit non-zero", async () => {
    mkdirSync(join(dir, "taken.json"));
    const r = await cli(["init", "--role", "backend", "--port", "auto", "--file", "taken.json"]);
    assert.notEqual(r.code, 0);
    assert.equal(r.err.trim().split("\n").length, 1, r.err);
    assert.match(r.err, /^claude-talkie-walkie init: cannot read .*taken\.json: it is a directory/);
    assert.doesNotMatch(r.err, /\n\s+at |EISDIR: /);
  });

  test("init and doctor warn about a --secret-file others can read", async () => {
    const secret = join(dir, "mesh.secret");
    writeFileSync(secret, "a-shared-secret-of-some-length\n");
    chmodSync(secret, 0o644);
    const init = await cli([
      "init",
      "--role",
      "backend",
      "--port",
      "auto",
      "--secret-file",
      secret,
      "--file",
      "one.json",
    ]);
    assert.equal(init.code, 0, init.err);
    assert.match(
      init.err,
      /warning: .*mesh\.secret \(the shared secret\) is readable by other users: chmod 600 it/,
    );
    const doctor = await cli(["doctor", "--file", "one.json"]);
    assert.match(
      doctor.out,
      /^warn +.*mesh\.secret \(the shared secret\) is readable by other users/m,
    );
    chmodSync(secret, 0o600);
    const quiet = await cli(["doctor", "--file", "one.json"]);
    assert.doesNotMatch(quiet.out, /readable by other users/);
  });

  test("init and doctor warn about an operator private key others can read", async () => {
    const keyDir = join(config, "claude-talkie-walkie");
    mkdirSync(keyDir, { recursive: true });
    const key = join(keyDir, "operator.key");
    writeFileSync(key, "not checked here\n");
    chmodSync(key, 0o640);
    const init = await cli(["init", "--role", "backend", "--port", "auto", "--file", "two.json"]);
    assert.equal(init.code, 0, init.err);
    assert.match(
      init.err,
      /operator\.key \(the operator's private key\) is readable by other users/,
    );
    const doctor = await cli(["doctor", "--file", "two.json"]);
    assert.match(doctor.out, /^warn +.*operator\.key \(the operator's private key\) is readable/m);
  });
});
