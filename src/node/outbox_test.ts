import { test } from "node:test";
import assert from "node:assert/strict";
import { type DeliveryReport, Outbox, type OutboxOptions } from "./outbox.ts";
import type { DeliveryOutcome } from "../core/outcome.ts";
import type { Envelope } from "../core/envelope.ts";

const peer = { name: "tester", url: "http://tester:1" };
const env = (id: string): Envelope => ({
  message_id: id,
  from: "a",
  to: "tester",
  message: `text ${id}`,
  sent_at: "t",
});
const down: DeliveryOutcome = {
  ok: false,
  kind: "unreachable",
  reason: "connection refused",
  retryable: true,
};
const up: DeliveryOutcome = { ok: true, status: 200, latencyMs: 1 };

function setup(outcomes: DeliveryOutcome[], options: Partial<OutboxOptions> = {}) {
  const reports: DeliveryReport[] = [];
  const attempts: string[] = [];
  const delivered: string[] = [];
  let done = () => {};
  const finished = new Promise<void>((r) => done = r);
  const outbox = new Outbox({
    attempt: (_peer, e) => {
      attempts.push(e.message_id);
      return Promise.resolve(outcomes.shift() ?? up);
    },
    onReport: (r) => {
      reports.push(r);
      if (outbox.stats("tester").queued === 0) done();
    },
    onDelivered: (e) => delivered.push(e.message_id),
    baseDelayMs: 2,
    random: () => 0.5,
    ...options,
  });
  return { outbox, reports, attempts, delivered, finished };
}

test("Outbox retries queued messages in order and reports each delivery once", async () => {
  const t = setup([down, down, up, up]);
  for (const id of ["m1", "m2", "m3"]) {
    t.outbox.enqueue(peer, env(id), { reason: "connection refused" });
  }
  assert.equal(t.outbox.stats("tester").queued, 3);
  await t.finished;
  assert.deepEqual(t.delivered, ["m1", "m2", "m3"]);
  assert.deepEqual(t.reports.map((r) => [r.message_id, r.outcome]), [
    ["m1", "delivered"],
    ["m2", "delivered"],
    ["m3", "delivered"],
  ]);
  assert.deepEqual(t.attempts, ["m1", "m1", "m1", "m2", "m3"]);
  assert.equal(t.outbox.stats("tester").lastError, undefined);
});

test("Outbox reports a refusal that retrying cannot fix and moves on", async () => {
  const refused: DeliveryOutcome = {
    ok: false,
    kind: "refused",
    status: 413,
    reason: "too large",
    retryable: false,
  };
  const t = setup([refused, up]);
  t.outbox.enqueue(peer, env("m1"), { reason: "timeout" });
  t.outbox.enqueue(peer, env("m2"));
  await t.finished;
  assert.deepEqual(t.reports.map((r) => [r.message_id, r.outcome, r.reason]), [
    ["m1", "refused", "too large"],
    ["m2", "delivered", undefined],
  ]);
});

test("Outbox expires messages after the retry window with the last error", async () => {
  const t = setup(Array(100).fill(down), { retryWindowMs: 30 });
  t.outbox.enqueue(peer, env("m1"), { reason: "connection refused" });
  await t.finished;
  assert.equal(t.reports[0].outcome, "expired");
  assert.equal(t.reports[0].reason, "connection refused");
  assert.ok(t.reports[0].attempts >= 2);
});

test("Outbox honours Retry-After", async () => {
  const busy: DeliveryOutcome = {
    ok: false,
    kind: "refused",
    status: 429,
    reason: "slow down",
    retryable: true,
    retryAfterMs: 40,
  };
  const t = setup([busy, up]);
  const started = Date.now();
  t.outbox.enqueue(peer, env("m1"), { reason: "slow down", retryAfterMs: 40 });
  await t.finished;
  // Two waits of at least Retry-After: after the first failure and after the outbox's own.
  assert.ok(Date.now() - started >= 80);
  assert.equal(t.reports[0].attempts, 3);
});

test("Outbox refuses new messages when full, and close() lists what was dropped", () => {
  const t = setup([], { maxMessages: 2, baseDelayMs: 60_000 });
  assert.equal(t.outbox.enqueue(peer, env("m1"), { reason: "down" }).ok, true);
  assert.deepEqual(t.outbox.enqueue(peer, env("m2")), { ok: true, ahead: 1 });
  const full = t.outbox.enqueue(peer, env("m3"));
  assert.equal(full.ok, false);
  assert.match(!full.ok ? full.reason : "", /outbox is full/);
  assert.deepEqual(t.outbox.close(), [{ peer: "tester", count: 2 }]);
});

test("Outbox bounds queued bytes", () => {
  const t = setup([], { maxBytes: 10, baseDelayMs: 60_000 });
  assert.equal(t.outbox.enqueue(peer, env("m1"), { reason: "down" }).ok, true);
  assert.equal(t.outbox.enqueue(peer, env("m2")).ok, false);
  t.outbox.close();
});

test("Outbox hands a message a broker stored on without a report of its own", async () => {
  const stored: DeliveryOutcome = {
    ok: false,
    kind: "stored",
    reason: "waits in the broker",
    retryable: false,
  };
  const t = setup([stored, up]);
  t.outbox.enqueue(peer, env("m1"), { reason: "no responders" });
  t.outbox.enqueue(peer, env("m2"));
  await t.finished;
  assert.deepEqual(t.reports.map((r) => r.message_id), ["m2"]);
  assert.equal(t.outbox.stats("tester").queued, 0);
});
