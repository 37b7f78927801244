import assert from "node:assert/strict";
import { test } from "node:test";
import { type HookEntry, nearestNode, sessionDepth } from "./hook_registry.ts";

const entry = (pid: number, ancestors: number[], cwd = "/p"): HookEntry => ({
  pid,
  url: `http://127.0.0.1:${pid}`,
  token: "t",
  ancestors,
  role: `r${pid}`,
  cwd,
});

test("sessionDepth: Claude Code is the parent of the outermost hook shell, else the parent", () => {
  const argv: Record<number, string[]> = {
    10: ["/bin/sh", "-c", "npx -y claude-talkie-walkie@2.x hook"],
    11: ["node", "npm-cli.js", "exec"],
    12: ["/bin/sh", "-c", "INTERCOM_LOCAL_DIR=/x claude-talkie-walkie hook"],
    13: ["claude"],
    14: ["bash"],
  };
  assert.equal(sessionDepth([10, 11, 12, 13, 14], (p) => argv[p] ?? []), 3);
  assert.equal(sessionDepth([13, 14], (p) => argv[p] ?? []), 0);
  // A shell that runs something else is not the hook's.
  assert.equal(sessionDepth([14, 13], () => ["/bin/sh", "-c", "make test"]), 0);
});

test("nearestNode: the node under the same Claude Code, never one found only higher up", () => {
  // Waiter: sh(10) -> claude A(20) -> bash(30) -> tmux(40). Node A under 20, node B under 21.
  const a = entry(100, [20, 30, 40]);
  const b = entry(101, [21, 31, 40]);
  assert.equal(nearestNode([b, a], [10, 20, 30, 40], 1)?.pid, 100);
  // Session A has no node: B shares only tmux with it, beyond the session's depth.
  assert.equal(nearestNode([b], [10, 20, 30, 40], 1), undefined);
  // Two nodes under one Claude Code (a restart overlapping): the newer one, in the cwd first.
  const a2 = entry(102, [20, 30, 40]);
  assert.equal(nearestNode([a, a2], [10, 20, 30, 40], 1)?.pid, 102);
  const other = entry(103, [20, 30, 40], "/elsewhere");
  assert.equal(nearestNode([a, other], [10, 20, 30, 40], 1, "/p")?.pid, 100);
});
