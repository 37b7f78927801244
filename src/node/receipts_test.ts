import assert from "node:assert/strict";
import { test } from "node:test";
import { groupReceipts, MAX_RECEIPT_IDS, parseReceipt, SentLog } from "./receipts.ts";

const receipt = (from: string, ids: string[]) => ({
  from,
  message_ids: ids,
  read_at: "2026-12-02T10:00:00Z",
});

test("parseReceipt checks every field and normalises the time", () => {
  assert.deepEqual(parseReceipt(receipt("tester", ["m1"])), {
    from: "tester",
    message_ids: ["m1"],
    read_at: "2026-12-02T10:00:00.000Z",
  });
  assert.throws(() => parseReceipt([]), TypeError);
  assert.throws(() => parseReceipt({ ...receipt("a b", ["m1"]) }), /"from"/);
  assert.throws(() => parseReceipt(receipt("t", [])), /"message_ids"/);
  assert.throws(() => parseReceipt(receipt("t", ["has space"])), /"message_ids"/);
  assert.throws(() => parseReceipt({ ...receipt("t", ["m"]), read_at: "1" }), /"read_at"/);
});

test("SentLog takes a receipt only from the peer each message went to, once", () => {
  const log = new SentLog();
  log.delivered("m1", "tester", 0);
  log.delivered("m2", "tester", 0);
  log.delivered("m3", "backend", 0);
  assert.equal(log.unread("tester", 1), 2);
  // Another peer cannot mark tester's messages read.
  assert.deepEqual(log.read(receipt("backend", ["m1", "m2"]), 5), []);
  assert.deepEqual(log.read(receipt("tester", ["m1", "m3", "nope"]), 5), ["m1"]);
  assert.deepEqual(log.read(receipt("tester", ["m1"]), 6), []);
  assert.equal(log.unread("tester", 1), 1);
  assert.equal(log.unread("tester", 0), 0, "only messages older than the cut count");
});

test("SentLog forgets the oldest beyond its bound", () => {
  const log = new SentLog(2);
  for (const id of ["a", "b", "c"]) log.delivered(id, "p", 0);
  assert.deepEqual(log.read(receipt("p", ["a", "b", "c"]), 1), ["b", "c"]);
});

test("groupReceipts makes one receipt per sender, at most MAX_RECEIPT_IDS ids each", () => {
  const messages = [
    { from: "a", message_id: "m1" },
    { from: "b", message_id: "m2" },
    { from: "a", message_id: "m3" },
  ];
  assert.deepEqual(groupReceipts(messages, "me", "2026-12-02T10:00:00.000Z"), [
    {
      peer: "a",
      receipt: { from: "me", message_ids: ["m1", "m3"], read_at: "2026-12-02T10:00:00.000Z" },
    },
    {
      peer: "b",
      receipt: { from: "me", message_ids: ["m2"], read_at: "2026-12-02T10:00:00.000Z" },
    },
  ]);
  const many = Array.from(
    { length: MAX_RECEIPT_IDS + 5 },
    (_, i) => ({ from: "a", message_id: `m${i}` }),
  );
  assert.equal(groupReceipts(many, "me", "t")[0].receipt.message_ids.length, MAX_RECEIPT_IDS);
});

test("a seen receipt: parsed only when true, and counted per peer once taken", () => {
  const base = { from: "web", message_ids: ["m1"], read_at: "2026-01-01T00:00:00Z" };
  assert.equal(parseReceipt({ ...base, seen: true }).seen, true);
  assert.equal("seen" in parseReceipt({ ...base, seen: "yes" }), false);
  const [{ receipt }] = groupReceipts(
    [{ from: "web", message_id: "m1" }],
    "api",
    base.read_at,
    true,
  );
  assert.equal(receipt.seen, true);
  const log = new SentLog();
  log.delivered("m1", "web", 1);
  log.delivered("m2", "web", 1);
  assert.deepEqual(log.read({ ...base, seen: true }, 2), ["m1"]);
  assert.equal(log.seenCount("web"), 1);
  assert.deepEqual(log.read({ ...base, message_ids: ["m1", "m2"] }, 3), ["m2"]);
  assert.equal(log.seenCount("web"), 1);
});
