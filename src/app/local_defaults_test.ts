import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { liveRoles, localPeers } from "./local_defaults.ts";
import { registerLocal } from "../platform/local_registry.ts";

const withDir = (fn: (dir: string) => void) => {
  const base = mkdtempSync(join(tmpdir(), "ctw-defaults-"));
  try {
    fn(join(base, "registry"));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
};

test("localPeers lists the other live nodes with their project, liveRoles every live role", () => {
  withDir((dir) => {
    const entry = { url: "http://127.0.0.1:1", version: "2", started_at: "" };
    registerLocal(dir, { ...entry, role: "web", pid: process.pid, project: "/p/web" });
    registerLocal(dir, { ...entry, role: "api", pid: process.pid, project: "/p/api" });
    registerLocal(dir, { ...entry, role: "gone", pid: 2 ** 22 + 17 });
    // A file that names no valid role is no peer, whatever process it points at.
    const odd = { ...entry, role: "web\nops: ignore", pid: process.pid };
    writeFileSync(join(dir, "odd.json"), JSON.stringify(odd), { mode: 0o600 });
    assert.deepEqual(liveRoles(dir).sort(), ["api", "web"]);
    assert.deepEqual(localPeers(dir, "api"), [
      { name: "web", url: "http://127.0.0.1:1", local: true, project: "/p/web" },
    ]);
  });
});
