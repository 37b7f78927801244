import { test } from "node:test";
import assert from "node:assert/strict";
import { PendingReports } from "./nats_pending.ts";

const report = (outcome: "delivered" | "refused", reason?: string) => ({
  message_id: "msg_1",
  peer: "bob",
  outcome,
  reason,
  queued_ms: 42,
});

test("PendingReports wakes a waiting attempt when the receiver reports delivery", async () => {
  const pending = new PendingReports();
  pending.add("msg_1");
  const waiting = pending.wait("msg_1", 5_000);
  assert.equal(pending.settle(report("delivered")), true);
  assert.deepEqual(await waiting, { ok: true, status: 200, latencyMs: 42 });
  assert.equal(pending.has("msg_1"), false);
});

test("PendingReports turns a refusal into a final, not retryable outcome", async () => {
  const pending = new PendingReports();
  pending.add("msg_1");
  pending.settle(report("refused", "signature rejected"));
  const o = await pending.wait("msg_1", 10);
  assert.equal(o?.ok, false);
  assert.equal(o && !o.ok && o.retryable, false);
  assert.equal(o && !o.ok && o.reason, "signature rejected");
});

test("PendingReports says undefined when no report came in time, and ignores strangers", async () => {
  const pending = new PendingReports();
  pending.add("msg_1");
  assert.equal(await pending.wait("msg_1", 10), undefined);
  assert.equal(pending.has("msg_1"), true);
  assert.equal(pending.settle({ ...report("delivered"), message_id: "msg_other" }), false);
});
