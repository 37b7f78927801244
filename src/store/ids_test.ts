import assert from "node:assert/strict";
import { test } from "node:test";
import { openDatabase } from "./open.ts";
import { pruneIds, StoredDeliveredIds, StoredSeenIds } from "./ids.ts";

test("StoredDeliveredIds tells fresh, duplicate and conflict, forgets, and expires", () => {
  const { db } = openDatabase(":memory:");
  const ids = new StoredDeliveredIds(db, 1_000);
  assert.equal(ids.check("a", "m1", "d1", 0), "fresh");
  ids.add("a", "m1", "d1", 0);
  assert.equal(ids.check("a", "m1", "d1", 10), "duplicate");
  assert.equal(ids.check("a", "m1", "d2", 10), "conflict");
  assert.equal(ids.check("b", "m1", "d1", 10), "fresh");
  assert.equal(ids.check("a", "m1", "d1", 1_000), "fresh");
  ids.add("a", "m2", "d", 0);
  ids.forget("a", "m2");
  assert.equal(ids.check("a", "m2", "d", 1), "fresh");
  assert.equal(
    ids.load([{ key: "c m9", digest: "d", expiresAt: 50 }, {
      key: "c m8",
      digest: "d",
      expiresAt: 5,
    }], 10),
    1,
  );
  assert.equal(ids.check("c", "m9", "d", 20), "duplicate");
  assert.equal(pruneIds(db, 2_000), 2);
  db.close();
});

test("StoredSeenIds refuses a replay until the id expires, and kinds do not mix", () => {
  const { db } = openDatabase(":memory:");
  const replays = new StoredSeenIds(db, "replay", 100);
  const operator = new StoredSeenIds(db, "operator", 100);
  assert.equal(replays.checkAndAdd("x", 0), true);
  assert.equal(replays.checkAndAdd("x", 50), false);
  assert.equal(replays.has("x", 50), true);
  assert.equal(operator.checkAndAdd("x", 50), true);
  assert.equal(replays.checkAndAdd("x", 100), true);
  replays.forget("x");
  assert.equal(replays.has("x", 101), false);
  db.close();
});
