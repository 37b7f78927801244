import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { isFull, openDatabase } from "./open.ts";
import { SCHEMA_VERSION } from "./schema.ts";
import { History } from "./history.ts";

function withDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "talkie-store-"));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("openDatabase creates the file 0600 in a 0700 directory, migrated and in WAL mode", () => {
  withDir((dir) => {
    const path = join(dir, "state", "alpha.db");
    const first = openDatabase(path);
    assert.equal(first.state, "new");
    assert.equal(first.persistent, true);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, "state")).mode & 0o777, 0o700);
    const mode = first.db.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
    assert.equal(mode.journal_mode, "wal");
    first.db.close();
    const again = openDatabase(path);
    assert.equal(again.state, "ok");
    assert.equal(again.problem, undefined);
    again.db.close();
  });
});

test("openDatabase leaves a second node with memory only while the first holds the file", () => {
  withDir((dir) => {
    const path = join(dir, "alpha.db");
    const first = openDatabase(path);
    const second = openDatabase(path);
    assert.equal(second.state, "locked");
    assert.equal(second.persistent, false);
    assert.match(second.problem!, /in use by another node with this role.*MY_ROLE/);
    second.db.close();
    first.db.close();
    const third = openDatabase(path);
    assert.equal(third.state, "ok");
    third.db.close();
  });
});

test("openDatabase moves a damaged file aside and starts an empty one", () => {
  withDir((dir) => {
    const path = join(dir, "alpha.db");
    writeFileSync(path, "this is not a database, it is a shopping list ".repeat(100));
    const opened = openDatabase(path, Date.UTC(2026, 11, 7));
    assert.equal(opened.state, "moved_aside");
    assert.equal(opened.persistent, true);
    assert.match(opened.problem!, /damaged .*moved aside to .*alpha\.db\.damaged-2026-12-07/);
    opened.db.close();
    assert.ok(readdirSync(dir).some((f) => f.startsWith("alpha.db.damaged-")));
  });
});

test("openDatabase refuses a file of a newer schema and keeps it as it is", () => {
  withDir((dir) => {
    const path = join(dir, "alpha.db");
    const db = new DatabaseSync(path);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const opened = openDatabase(path);
    assert.equal(opened.state, "newer");
    assert.match(opened.problem!, /newer claude-talkie-walkie .*upgrade, or move the file aside/);
    opened.db.close();
    const check = new DatabaseSync(path);
    const v = check.prepare("PRAGMA user_version").get() as { user_version: number };
    assert.equal(v.user_version, SCHEMA_VERSION + 1);
    check.close();
  });
});

test("openDatabase keeps a node with memory only when the directory cannot be made", () => {
  withDir((dir) => {
    writeFileSync(join(dir, "file"), "");
    const opened = openDatabase(join(dir, "file", "alpha.db"));
    assert.equal(opened.state, "unwritable");
    assert.match(opened.problem!, /Cannot write the store .*INTERCOM_STATE_DIR/);
    opened.db.close();
  });
});

test("isFull tells a full database from other errors", () => {
  const { db } = openDatabase(":memory:");
  const history = new History(db);
  db.exec("PRAGMA max_page_count = 40");
  let error: unknown;
  try {
    for (let n = 0; n < 1_000; n++) {
      history.add({
        message_id: `m${n}`,
        from: "a",
        to: "b",
        message: "x".repeat(2_000),
        sent_at: "t",
      }, n);
    }
  } catch (e) {
    error = e;
  }
  assert.ok(isFull(error), String(error));
  assert.equal(isFull(new Error("other")), false);
  db.close();
});
