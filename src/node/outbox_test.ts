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

/**
 * An outbox on a clock driven by hand: `schedule` records each retry timer and its delay,
 * `fire` moves the clock to the next timer, runs it, and resolves once the outbox scheduled
 * again or reported.
 */
function byHand(outcomes: DeliveryOutcome[], options: Partial<OutboxOptions> = {}) {
  let now = 0;
  const timers: { at: number; run: () => void }[] = [];
  const delays: number[] = [];
  const attemptsAt: number[] = [];
  const reports: DeliveryReport[] = [];
  let stepped = () => {};
  const outbox = new Outbox({
    attempt: () => {
      attemptsAt.push(now);
      return Promise.resolve(outcomes.shift() ?? up);
    },
    onReport: (r) => {
      reports.push(r);
      stepped();
    },
    now: () => now,
    random: () => 0.5,
    schedule: (run, ms) => {
      const timer = { at: now + ms, run };
      timers.push(timer);
      delays.push(ms);
      stepped();
      return () => timers.splice(timers.indexOf(timer), 1);
    },
    ...options,
  });
  const fire = async () => {
    timers.sort((a, b) => a.at - b.at);
    const timer = timers.shift();
    assert.ok(timer, "a retry is scheduled");
    now = timer.at;
    const step = new Promise<void>((r) => stepped = r);
    timer.run();
    await step;
  };
  return { outbox, delays, attemptsAt, reports, fire, timers };
}

test("Outbox backs off from 500 ms, doubling up to the longest delay", async () => {
  const t = byHand([down, down, down, up], { maxDelayMs: 1_500 });
  t.outbox.enqueue(peer, env("m1"), { reason: "connection refused" });
  for (let i = 0; i < 4; i++) await t.fire();
  assert.deepEqual(t.delays, [500, 1_000, 1_500, 1_500]);
  assert.deepEqual(t.attemptsAt, [500, 1_500, 3_000, 4_500]);
  assert.deepEqual(t.reports.map((r) => [r.outcome, r.attempts, r.queuedMs]), [
    ["delivered", 5, 4_500],
  ]);
});

test("Outbox spreads each delay by ±25 %", () => {
  for (const [random, first] of [[0, 375], [0.5, 500], [1, 625]]) {
    const t = byHand([], { random: () => random });
    t.outbox.enqueue(peer, env("m1"), { reason: "connection refused" });
    assert.deepEqual(t.delays, [first], `random ${random}`);
    t.outbox.close();
  }
});

test("Outbox waits at least Retry-After, after the first failure and after a retry", async () => {
  const busy = (retryAfterMs: number): DeliveryOutcome => ({
    ok: false,
    kind: "refused",
    status: 429,
    reason: "slow down",
    retryable: true,
    retryAfterMs,
  });
  const t = byHand([busy(4_000), up]);
  t.outbox.enqueue(peer, env("m1"), { reason: "slow down", retryAfterMs: 1_000 });
  await t.fire();
  await t.fire();
  // Plain backoff would wait 500, then 1 000 ms.
  assert.deepEqual(t.delays, [1_000, 4_000]);
  assert.deepEqual(t.attemptsAt, [1_000, 5_000]);
  assert.deepEqual(t.reports.map((r) => [r.outcome, r.attempts]), [["delivered", 3]]);
});

test("Outbox expires a message when its retry window ends, not before", async () => {
  const t = byHand(Array(10).fill(down), { retryWindowMs: 1_500 });
  t.outbox.enqueue(peer, env("m1"), { reason: "connection refused" });
  await t.fire();
  await t.fire();
  // The second retry would come at 500 + 1 000 ms: the window's end, where it expires.
  assert.deepEqual(t.attemptsAt, [500]);
  assert.deepEqual(t.reports.map((r) => [r.outcome, r.attempts, r.queuedMs, r.reason]), [
    ["expired", 2, 1_500, "connection refused"],
  ]);
  assert.equal(t.timers.length, 0);
});

test("Outbox does not retry before a Retry-After that outlasts the retry window", async () => {
  const t = byHand([], { retryWindowMs: 1_500 });
  t.outbox.enqueue(peer, env("m1"), { reason: "slow down", retryAfterMs: 60_000 });
  assert.deepEqual(t.delays, [1_500]);
  await t.fire();
  assert.deepEqual(t.attemptsAt, []);
  assert.deepEqual(t.reports.map((r) => [r.outcome, r.attempts]), [["expired", 1]]);
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

test("Outbox keeps queued messages in its persistence and a new outbox resumes them in order", async () => {
  const kept = new Map<number, { envelope: Envelope; attempts: number; queuedAt: number }>();
  let next = 1;
  const persistence = {
    add: (_p: unknown, envelope: Envelope, queuedAt: number, attempts: number) => {
      kept.set(next, { envelope, attempts, queuedAt });
      return next++;
    },
    attempted: (key: number, attempts: number) => kept.get(key)!.attempts = attempts,
    remove: (key: number) => kept.delete(key),
  };
  const first = setup([down, down, down], { persistence, baseDelayMs: 60_000 });
  for (const id of ["m1", "m2", "m3"]) first.outbox.enqueue(peer, env(id), { reason: "down" });
  first.outbox.close();
  assert.deepEqual([...kept.values()].map((k) => [k.envelope.message_id, k.attempts]), [
    ["m1", 1],
    ["m2", 1],
    ["m3", 1],
  ]);
  const second = setup([up, up, up], { persistence });
  second.outbox.resume(
    [...kept].map(([key, k]) => ({ key, peer, ...k })),
  );
  await second.finished;
  assert.deepEqual(second.delivered, ["m1", "m2", "m3"]);
  assert.deepEqual(second.reports.map((r) => r.attempts), [2, 2, 2]);
  assert.equal(kept.size, 0);
});

test("Outbox does not queue a message it cannot keep, and says why", () => {
  const t = setup([], {
    persistence: {
      add: () => {
        throw new Error("database or disk is full");
      },
      attempted: () => {},
      remove: () => {},
    },
  });
  const r = t.outbox.enqueue(peer, env("m1"), { reason: "down" });
  assert.deepEqual(r, {
    ok: false,
    reason: "it cannot be kept on disk (database or disk is full)",
  });
  assert.equal(t.outbox.stats("tester").queued, 0);
});

test("Outbox.resume expires a message whose original retry window has passed", async () => {
  const t = setup([], { retryWindowMs: 1_000, now: () => 10_000 });
  t.outbox.resume([{ key: 1, peer, envelope: env("old"), queuedAt: 1_000, attempts: 4 }]);
  await t.finished;
  assert.deepEqual(t.reports.map((r) => [r.message_id, r.outcome]), [["old", "expired"]]);
});
