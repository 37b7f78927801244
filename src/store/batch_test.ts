import assert from "node:assert/strict";
import { test } from "node:test";
import { DatabaseSync } from "node:sqlite";
import { GroupCommit } from "./batch.ts";

function db(): DatabaseSync {
  const d = new DatabaseSync(":memory:");
  d.exec("CREATE TABLE t (v INTEGER PRIMARY KEY)");
  return d;
}
const count = (d: DatabaseSync) => Number((d.prepare("SELECT count(*) AS n FROM t").get()!).n);

test("writes of one turn share one transaction, committed on the next turn", async () => {
  const d = db();
  const batch = new GroupCommit(d);
  const first = batch.join();
  d.exec("INSERT INTO t VALUES (1)");
  const second = batch.join();
  d.exec("INSERT INTO t VALUES (2)");
  assert.equal(first, second);
  assert.equal(d.isTransaction, true);
  await first;
  assert.equal(d.isTransaction, false);
  assert.equal(count(d), 2);
  d.close();
});

test("a failed commit rolls back every write of the batch and rejects", async () => {
  const d = db();
  d.exec("CREATE TABLE child (p INTEGER REFERENCES t (v) DEFERRABLE INITIALLY DEFERRED)");
  d.exec("PRAGMA foreign_keys = ON");
  const batch = new GroupCommit(d);
  const pending = batch.join();
  d.exec("INSERT INTO t VALUES (1)");
  d.exec("INSERT INTO child VALUES (99)"); // violates the key at COMMIT
  await assert.rejects(pending);
  assert.equal(count(d), 0);
  assert.equal(d.isTransaction, false);
  d.close();
});

test("GroupCommit.commitNow commits at once, and the scheduled commit then does nothing", async () => {
  const d = db();
  const batch = new GroupCommit(d);
  const pending = batch.join();
  d.exec("INSERT INTO t VALUES (1)");
  batch.commitNow();
  assert.equal(d.isTransaction, false);
  await pending;
  assert.equal(count(d), 1);
  d.close();
});

test("GroupCommit.commitNow throws when the commit fails, and the writes are rolled back", () => {
  const d = db();
  d.exec("CREATE TABLE u (x INTEGER PRIMARY KEY) ; PRAGMA foreign_keys = ON");
  const batch = new GroupCommit(d);
  batch.join();
  d.exec("INSERT INTO t VALUES (7)");
  d.exec("PRAGMA defer_foreign_keys = ON");
  // A deferred constraint fails only at COMMIT, as a full disk would.
  d.exec("CREATE TABLE v (y INTEGER REFERENCES u (x) DEFERRABLE INITIALLY DEFERRED)");
  d.exec("INSERT INTO v VALUES (1)");
  assert.throws(() => batch.commitNow());
  assert.equal(d.isTransaction, false);
  d.close();
});
