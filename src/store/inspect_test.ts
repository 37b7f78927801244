import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspectStore } from "./inspect.ts";
import { openDatabase } from "./open.ts";
import { History } from "./history.ts";

test("inspectStore tells missing, ready, in use and damaged stores apart", () => {
  const dir = mkdtempSync(join(tmpdir(), "talkie-inspect-"));
  try {
    const path = join(dir, "alpha.db");
    assert.match(inspectStore(path).text, /made at the first start/);
    const opened = openDatabase(path);
    new History(opened.db).add(
      { message_id: "m1", from: "b", to: "alpha", message: "hi", sent_at: "t" },
      1,
    );
    assert.match(inspectStore(path).text, /in use by a running node/);
    opened.db.close();
    const ready = inspectStore(path);
    assert.equal(ready.level, "ok");
    assert.match(ready.text, /\d+ KB, 1 messages \(1 unread\), 0 queued$/);
    writeFileSync(path, "not a database ".repeat(100));
    assert.equal(inspectStore(path).level, "warn");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
