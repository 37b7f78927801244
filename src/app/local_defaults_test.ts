import assert from "node:assert/strict";
import { test } from "node:test";
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { liveRoles, localPeers, localSecret, SECRET_FILE } from "./local_defaults.ts";
import { registerLocal } from "../platform/local_registry.ts";

const withDir = (fn: (dir: string) => void) => {
  const base = mkdtempSync(join(tmpdir(), "ctw-defaults-"));
  try {
    fn(join(base, "registry"));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
};

test("localSecret makes one private secret and returns it every time after", () => {
  withDir((dir) => {
    const first = localSecret(dir);
    assert.match(first, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(localSecret(dir), first);
    if (process.platform !== "win32") {
      assert.equal(statSync(join(dir, SECRET_FILE)).mode & 0o777, 0o600);
    }
  });
});

test("localSecret refuses a secret file other users may read, and an empty one", () => {
  withDir((dir) => {
    localSecret(dir);
    if (process.platform !== "win32") {
      chmodSync(join(dir, SECRET_FILE), 0o644);
      assert.throws(() => localSecret(dir), /may be read by other users: run chmod 600/);
    }
    writeFileSync(join(dir, SECRET_FILE), "\n", { mode: 0o600 });
    chmodSync(join(dir, SECRET_FILE), 0o600);
    assert.throws(() => localSecret(dir), /is empty/);
  });
});

test("localPeers lists the other live nodes with their project, liveRoles every live role", () => {
  withDir((dir) => {
    const entry = { url: "http://127.0.0.1:1", version: "2", started_at: "" };
    registerLocal(dir, { ...entry, role: "web", pid: process.pid, project: "/p/web" });
    registerLocal(dir, { ...entry, role: "api", pid: process.pid, project: "/p/api" });
    registerLocal(dir, { ...entry, role: "gone", pid: 2 ** 22 + 17 });
    assert.deepEqual(liveRoles(dir).sort(), ["api", "web"]);
    assert.deepEqual(localPeers(dir, "api"), [
      { name: "web", url: "http://127.0.0.1:1", local: true, project: "/p/web" },
    ]);
  });
});
