import assert from "node:assert/strict";
import { test } from "node:test";
import { openDatabase } from "./open.ts";
import { StoredOutbox } from "./outbox.ts";

test("StoredOutbox keeps queued messages in order with their attempts until removed", () => {
  const { db } = openDatabase(":memory:");
  const outbox = new StoredOutbox(db);
  const e = (n: number) => ({
    message_id: `m${n}`,
    from: "a",
    to: "b",
    message: "hi",
    sent_at: "t",
  });
  const one = outbox.add({ name: "b", url: "u" }, e(1), 5, 1);
  const two = outbox.add({ name: "c", url: "u" }, e(2), 6, 0);
  outbox.add({ name: "b", url: "u" }, e(3), 7, 0);
  outbox.attempted(one, 3);
  outbox.remove(two);
  assert.deepEqual(
    outbox.all().map((r) => [r.peer.name, r.envelope.message_id, r.queuedAt, r.attempts]),
    [["b", "m1", 5, 3], ["b", "m3", 7, 0]],
  );
  db.close();
});
