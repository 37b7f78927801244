import assert from "node:assert/strict";
import { test } from "node:test";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "./store.ts";
import { waitFor } from "../../tests/support/wait.ts";

test("Store keeps the history, outbox and ids across a reopen and folds an old id file in once", () => {
  const dir = mkdtempSync(join(tmpdir(), "talkie-store-"));
  try {
    const path = join(dir, "alpha.db");
    const legacy = join(dir, "delivered-alpha.jsonl");
    const now = 1_000_000;
    writeFileSync(
      legacy,
      JSON.stringify({ key: "beta m1", digest: "d", expiresAt: now + 60_000 }) + "\n{torn",
    );
    const lines: string[] = [];
    const open = () =>
      Store.open({
        path,
        log: (l) => lines.push(l),
        deliveredTtlMs: 60_000,
        legacyDeliveredFile: legacy,
        now: () => now,
      });
    const first = open();
    assert.equal(first.info.state, "new");
    assert.equal(existsSync(legacy), false);
    const envelope = { message_id: "m2", from: "beta", to: "alpha", message: "hi", sent_at: "t" };
    first.history.add(envelope, now);
    first.outbox.add(
      { name: "beta", url: "http://b" },
      { ...envelope, from: "alpha", to: "beta" },
      now,
      1,
    );
    first.operatorIds.checkAndAdd("operator-id:x", now);
    first.close();
    first.close();
    const second = open();
    assert.equal(second.info.state, "ok");
    assert.equal(second.delivered.check("beta", "m1", "d", now), "duplicate");
    assert.equal(second.history.unread(), 1);
    assert.equal(second.outbox.all().length, 1);
    assert.equal(second.operatorIds.checkAndAdd("operator-id:x", now + 1), false);
    assert.equal(second.prune(now + 31 * 86_400_000), 3);
    assert.equal(second.history.unread(), 0);
    second.close();
    assert.deepEqual(lines, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("Store checkpoints and truncates its WAL once writes stop", async () => {
  const dir = mkdtempSync(join(tmpdir(), "talkie-store-"));
  const path = join(dir, "quiet.db");
  const store = Store.open({ path, log: () => {}, deliveredTtlMs: 60_000, quietCheckpointMs: 20 });
  try {
    const envelope = { message_id: "m1", from: "beta", to: "quiet", message: "hi", sent_at: "t" };
    const kept = store.batch();
    store.history.add(envelope, 1);
    await kept;
    assert.ok(statSync(`${path}-wal`).size > 0, "the commit went to the WAL");
    await waitFor(() => statSync(`${path}-wal`).size === 0, "the WAL truncated", 5_000);
    assert.equal(store.history.unread(), 1);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
