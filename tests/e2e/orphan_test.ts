/**
 * End-to-end: when Claude Code dies, all three pipes close. A node whose stderr closed first
 * must still exit when stdin ends, not spin on errors about its closed stderr.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../src/platform/runtime.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

test("a node exits after its stderr and then its stdin close", async () => {
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), "talkie-orphan-"));
  const child = spawn(process.execPath, ["run", "-A", "main.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      MY_ROLE: "orphan",
      INTERCOM_PORT: String(port),
      INTERCOM_STATE_DIR: state,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let listening = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${listening}`)), 15_000);
    child.stderr.on("data", (d) => {
      listening += d;
      if (/listening on/.test(listening)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  // Closed for real (the pipe's read end), before stdin ends: the order Claude Code's death has.
  const stderrClosed = new Promise((r) => child.stderr.once("close", r));
  child.stderr.destroy();
  await stderrClosed;
  child.stdin.end();
  // The bound only catches a node that spins instead of exiting; it is killed then.
  const timeout = setTimeout(() => child.kill("SIGKILL"), 15_000);
  const code = await exited;
  clearTimeout(timeout);
  child.stdout.destroy();
  rmSync(state, { recursive: true, force: true });
  assert.equal(code, 0, "exited by itself, not killed");
});
