import { test } from "node:test";
import { memoryIds } from "../../tests/support/ids.ts";
import assert from "node:assert/strict";
import { RateLimiter } from "../core/rate_limit.ts";
import type { SessionDelivery } from "./channel.ts";
import { Hub, type HubRecord } from "./hub.ts";
import {
  answerOf,
  type Inbound,
  receive,
  type ReceiveContext,
  receiveReceipt,
  type Verified,
} from "./receive.ts";

const NOW = new Date("2026-12-01T12:00:00Z");
const SIGNED: Verified = { by: "signature", id: "msg_1" };

function setup(session: SessionDelivery[] = [], extra: Partial<ReceiveContext> = {}) {
  const hub = new Hub();
  const published: HubRecord[] = [];
  hub.subscribe((r) => published.push(r), ["recv"]);
  const handed: { id: string; hold: boolean }[] = [];
  const ctx: ReceiveContext = {
    role: "bob",
    maxMessageBytes: 64,
    now: () => NOW,
    hub,
    seen: memoryIds(60_000).seen,
    delivered: memoryIds().delivered,
    deliver: (envelope, hold) => {
      handed.push({ id: envelope.message_id, hold });
      return Promise.resolve(session.shift() ?? "delivered");
    },
    ...extra,
  };
  return { ctx, published, handed };
}

const inbound = (body: unknown, verified: Verified = SIGNED, more: Partial<Inbound> = {}) => ({
  bytes: new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body)),
  verified,
  ...more,
});
const envelope = (id = "msg_1", message = "hello") => ({ message_id: id, from: "alice", message });

test("receive delivers a signed message once and publishes it as recv", async () => {
  const { ctx, published, handed } = setup();
  assert.deepEqual(await receive(inbound(envelope()), ctx), { kind: "delivered", id: "msg_1" });
  assert.deepEqual(handed, [{ id: "msg_1", hold: false }]);
  assert.equal(published.length, 1);
  // The same message again (a retry) is a duplicate, not a second event.
  const again = await receive(inbound(envelope(), { by: "signature", id: "msg_1b" }), ctx);
  assert.deepEqual(again, { kind: "duplicate", id: "msg_1" });
  assert.equal(handed.length, 1);
});

test("receive holds a secret-header message for a session that has not initialized", async () => {
  const { ctx, handed } = setup(["held"]);
  const r = await receive(inbound(envelope(), { by: "secret" }), ctx);
  assert.deepEqual(r, { kind: "held", id: "msg_1" });
  assert.deepEqual(handed, [{ id: "msg_1", hold: true }]);
  assert.deepEqual(answerOf(r), {
    status: 202,
    body: { ok: true, message_id: "msg_1", held: true },
  });
});

test("receive takes a message verified when stored like a signed one, never held", async () => {
  const { ctx, handed } = setup(["not_ready", "delivered"]);
  const stored: Verified = { by: "stored", id: "msg_1" };
  const first = await receive(inbound(envelope()), { ...ctx });
  assert.equal(first.kind, "not_ready");
  assert.equal(first.kind === "not_ready" && first.retryAfterSeconds, 2);
  assert.deepEqual(answerOf(first).status, 503);
  assert.equal(answerOf(first).retryAfterSeconds, 2);
  // Not taken, so the retry of that very message (same webhook-id) is taken, not a replay.
  assert.deepEqual(await receive(inbound(envelope(), stored), ctx), {
    kind: "delivered",
    id: "msg_1",
  });
  assert.deepEqual(handed.map((h) => h.hold), [false, false]);
});

test("receive refuses a known id with another text as a conflict (409)", async () => {
  const { ctx } = setup();
  await receive(inbound(envelope("msg_7", "one")), ctx);
  const r = await receive(inbound(envelope("msg_7", "two"), { by: "signature", id: "x2" }), ctx);
  assert.equal(r.kind, "conflict");
  assert.equal(answerOf(r).status, 409);
  assert.match(String(answerOf(r).body.error), /already delivered with another text/);
});

test("receive calls a replayed webhook-id a duplicate", async () => {
  const { ctx, handed } = setup();
  await receive(inbound(envelope("msg_a")), ctx);
  const r = await receive(inbound(envelope("msg_b")), ctx);
  assert.deepEqual(r, { kind: "duplicate", id: "msg_b" });
  assert.equal(handed.length, 1);
});

test("receive refuses bad bodies with the envelope's status and delivers nothing", async () => {
  const { ctx, handed } = setup();
  const cases: [Inbound, number, RegExp][] = [
    [{ bytes: new Uint8Array([0xff]), verified: SIGNED }, 400, /not valid UTF-8/],
    [inbound("{nope"), 400, /not valid JSON/],
    [inbound("42"), 400, /must be a JSON object/],
    [inbound({ ...envelope(), to: "carol" }), 421, /carol/],
    [inbound(envelope("msg_1", "x".repeat(65))), 413, /limit|over/],
  ];
  for (const [message, status, error] of cases) {
    const r = await receive(message, ctx);
    assert.equal(r.kind, "refused");
    assert.equal(answerOf(r).status, status);
    assert.match(String(answerOf(r).body.error), error);
  }
  assert.equal(handed.length, 0);
});

test("receive reads a text body as the message, from the given sender", async () => {
  const { ctx, published } = setup();
  const r = await receive(
    inbound("build passed", { by: "secret" }, { type: "text", from: "ci" }),
    ctx,
  );
  assert.equal(r.kind, "delivered");
  assert.equal(published[0].envelope.from, "ci");
  assert.equal(published[0].envelope.message, "build passed");
});

test("receive limits per address and per sender, with a retry hint", async () => {
  const limiter = new RateLimiter({ perMinute: 1, burst: 1 });
  const { ctx } = setup([], { limiter });
  await receive(inbound(envelope("msg_1")), ctx);
  const r = await receive(inbound(envelope("msg_2"), { by: "secret" }), ctx);
  assert.equal(r.kind, "limited");
  const answer = answerOf(r);
  assert.equal(answer.status, 429);
  assert.ok(answer.retryAfterSeconds! > 0);
  const byAddress = setup([], { addressLimiter: new RateLimiter({ perMinute: 1, burst: 1 }) });
  await receive(
    inbound(envelope("msg_1"), { by: "secret" }, { source: "10.0.0.9" }),
    byAddress.ctx,
  );
  const other = inbound({ ...envelope("msg_2"), from: "eve" }, { by: "secret" }, {
    source: "10.0.0.9",
  });
  const limited = await receive(other, byAddress.ctx);
  assert.equal(limited.kind, "limited");
  assert.match(limited.kind === "limited" ? limited.reason : "", /from 10\.0\.0\.9/);
});

test("receive says full and gone with a retry hint of 30 s and forgets the id", async () => {
  const { ctx } = setup(["full", "gone", "delivered"]);
  for (const kind of ["full", "gone"]) {
    const r = await receive(inbound(envelope(), { by: "secret" }), ctx);
    assert.equal(r.kind, kind);
    assert.equal(answerOf(r).retryAfterSeconds, 30);
  }
  assert.equal((await receive(inbound(envelope(), { by: "secret" }), ctx)).kind, "delivered");
});

test("receiveReceipt takes a receipt once and refuses one that is not a receipt", () => {
  const taken: string[][] = [];
  const { ctx } = setup([], {
    onReceipt: (r) => (taken.push(r.message_ids), r.message_ids.length),
  });
  const receipt = { from: "alice", message_ids: ["msg_1"], read_at: NOW.toISOString() };
  const once = receiveReceipt(
    { ...inbound(receipt), verified: { by: "signature", id: "r1" } },
    ctx,
  );
  assert.deepEqual(once, { status: 200, body: { ok: true, accepted: 1 } });
  const again = receiveReceipt(
    { ...inbound(receipt), verified: { by: "signature", id: "r1" } },
    ctx,
  );
  assert.deepEqual(again.body, { ok: true, accepted: 0, duplicate: true });
  const bad = receiveReceipt({ ...inbound("{}"), verified: { by: "signature", id: "r2" } }, ctx);
  assert.equal(bad.status, 400);
  assert.deepEqual(taken, [["msg_1"]]);
});
