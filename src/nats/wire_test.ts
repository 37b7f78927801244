import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeReply, encodeReply, healthOutcome, messageRequest, replyOutcome } from "./wire.ts";

test("messageRequest carries only the signature headers into the handler", async () => {
  const h: Record<string, string> = {
    "webhook-id": "msg_1",
    "webhook-timestamp": "1",
    "webhook-signature": "v1,x",
    "x-intercom-secret": "leaked?",
  };
  const r = messageRequest((n) => h[n] ?? "", new TextEncoder().encode("{}"));
  assert.equal(r.method, "POST");
  assert.equal(new URL(r.url).pathname, "/message");
  assert.equal(r.headers.get("webhook-id"), "msg_1");
  assert.equal(r.headers.get("x-intercom-secret"), null);
  assert.equal(await r.text(), "{}");
});

test("encodeReply and decodeReply carry status, body and Retry-After", async () => {
  const res = new Response('{"ok":false,"error":"slow down"}', {
    status: 429,
    headers: { "retry-after": "7" },
  });
  const reply = decodeReply(await encodeReply(res));
  assert.deepEqual(reply, {
    status: 429,
    body: { ok: false, error: "slow down" },
    retryAfterSeconds: 7,
  });
  const o = replyOutcome(reply, 3);
  assert.equal(o.ok, false);
  assert.equal(!o.ok && o.retryable, true);
  assert.equal(!o.ok && o.retryAfterMs, 7000);
});

test("replyOutcome maps statuses as the HTTP client does", () => {
  assert.deepEqual(replyOutcome({ status: 200, body: {} }, 5), {
    ok: true,
    status: 200,
    latencyMs: 5,
  });
  const denied = replyOutcome({ status: 401, body: { error: "Signature rejected" } }, 1);
  assert.equal(!denied.ok && denied.kind, "unauthorized");
  assert.equal(!denied.ok && denied.retryable, false);
  assert.equal(decodeReply(new TextEncoder().encode("junk")).status, 502);
});

test("healthOutcome tells online, wrong role and offline apart", () => {
  const body = { role: "bob", version: "2.1.0", signatures: ["v1"] };
  assert.equal(healthOutcome({ status: 200, body }, "bob", 2).state, "online");
  assert.equal(healthOutcome({ status: 200, body }, "carol", 2).state, "wrong_role");
  assert.equal(healthOutcome({ status: 500, body: {} }, "bob", 2).state, "offline");
});
