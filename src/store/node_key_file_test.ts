import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { describeNodeKey, loadNodeKeys } from "./node_key_file.ts";

test("loadNodeKeys makes the key file 0600 once and reads the same keys after", () => {
  const dir = mkdtempSync(join(tmpdir(), "talkie-key-"));
  try {
    const path = join(dir, "state", "alpha.key");
    assert.equal(describeNodeKey(path).level, "ok");
    const first = loadNodeKeys(path);
    assert.equal(first.created, true);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const again = loadNodeKeys(path);
    assert.deepEqual([again.created, again.keys.fingerprint], [false, first.keys.fingerprint]);
    assert.deepEqual(describeNodeKey(path), {
      level: "ok",
      text: `node key ${first.keys.fingerprint} (${path})`,
    });
    chmodSync(path, 0o644);
    assert.equal(describeNodeKey(path).level, "warn");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("loadNodeKeys never overwrites a file it cannot read, and says so", () => {
  const dir = mkdtempSync(join(tmpdir(), "talkie-key-"));
  try {
    const path = join(dir, "alpha.key");
    writeFileSync(path, "damaged");
    const loaded = loadNodeKeys(path);
    assert.match(loaded.problem!, /is not JSON: using a key of this run only/);
    assert.equal(readFileSync(path, "utf8"), "damaged");
    assert.equal(describeNodeKey(path).level, "fail");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
