/**
 * End-to-end: `demo` with stdout piped prints one clean line per chat message (never an
 * `undefined` from a receipt) and ends with the next step, `init`.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { test } from "node:test";
import { ROOT } from "../support/harness.ts";

test("demo --duration 6 | cat prints clean chat lines and then the next step", async () => {
  const child = spawn(process.execPath, ["run", "-A", "main.ts", "demo", "--duration", "6"], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => out += d);
  child.stderr.setEncoding("utf8").on("data", (d: string) => err += d);
  const code = await new Promise<number | null>((r) => child.once("close", (c) => r(c)));
  assert.equal(code, 0, err);
  assert.doesNotMatch(out, /undefined|Invalid/, out);
  const lines = out.trimEnd().split("\n");
  const chat = lines.filter((l) => / → /.test(l));
  assert.ok(chat.length >= 2, out);
  for (const line of chat) assert.match(line, /^\d\d:\d\d:\d\d [a-z]+ → [a-z]+: \S/, line);
  assert.match(lines.at(-1)!, /^Next: .*claude-talkie-walkie init$/, out);
});
