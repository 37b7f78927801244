import assert from "node:assert/strict";
import { test } from "node:test";
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { localSecret, SECRET_FILE } from "./local_secret.ts";

const withDir = (fn: (dir: string) => void) => {
  const base = mkdtempSync(join(tmpdir(), "ctw-secret-"));
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
