import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { test } from "node:test";
import { assertGolden, goldenPath } from "./_golden.ts";

const NAME = "_golden_selftest";

test("assertGolden writes a missing golden outside CI, then compares with it", () => {
  rmSync(goldenPath(NAME), { force: true });
  try {
    assertGolden(NAME, "line 1\nline 2", { env: {} });
    assert.ok(existsSync(goldenPath(NAME)));
    assertGolden(NAME, "line 1\nline 2", { env: {} });
    assert.throws(() => assertGolden(NAME, "line 1\nchanged", { env: {} }), /differs/);
  } finally {
    rmSync(goldenPath(NAME), { force: true });
  }
});

test("assertGolden fails on a missing golden under CI=true", () => {
  rmSync(goldenPath(NAME), { force: true });
  assert.throws(() => assertGolden(NAME, "text", { env: { CI: "true" } }), /missing/);
  assert.equal(existsSync(goldenPath(NAME)), false);
});

test("assertGolden rewrites a golden only with UPDATE_SNAPSHOTS=1", () => {
  rmSync(goldenPath(NAME), { force: true });
  try {
    assertGolden(NAME, "old", { env: {} });
    assert.throws(() => assertGolden(NAME, "new", { env: {} }));
    assertGolden(NAME, "new", { env: { UPDATE_SNAPSHOTS: "1" } });
    assertGolden(NAME, "new", { env: {} });
  } finally {
    rmSync(goldenPath(NAME), { force: true });
  }
});

test("goldenPath refuses names that could leave the snapshot folder", () => {
  assert.throws(() => goldenPath("../escape"), TypeError);
});
