import { test } from "node:test";
import assert from "node:assert/strict";
import { deliveryOutcome } from "../core/outcome.ts";
import { decodeReply, encodeReply, healthRequest, messageRequest } from "./wire.ts";

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
    text: undefined,
    retryAfterMs: 7000,
  });
  const o = deliveryOutcome(reply, "m1", 3);
  assert.equal(!o.ok && o.retryable, true);
  assert.equal(!o.ok && o.retryAfterMs, 7000);
});

test("decodeReply keeps a text body as text and refuses a payload that is not ours", async () => {
  const reply = decodeReply(await encodeReply(new Response("plain words", { status: 500 })));
  assert.equal(reply.status, 500);
  assert.equal(reply.text, "plain words");
  assert.equal(decodeReply(new TextEncoder().encode("junk")).status, 502);
  assert.equal(decodeReply(new TextEncoder().encode('{"x":1}')).status, 502);
});

test("healthRequest is a GET /health on an origin that never resolves", () => {
  const r = healthRequest();
  assert.equal(r.method, "GET");
  assert.equal(new URL(r.url).pathname, "/health");
  assert.equal(new URL(r.url).hostname, "nats.invalid");
});
