import { test } from "node:test";
import assert from "node:assert/strict";
import { deliveryOutcome } from "../core/outcome.ts";
import { decodeReply, encodeAnswer } from "./wire.ts";

test("encodeAnswer and decodeReply carry status, body and the retry hint", () => {
  const reply = decodeReply(
    encodeAnswer({ status: 429, body: { ok: false, error: "slow down" }, retryAfterSeconds: 7 }),
  );
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

test("decodeReply keeps a text body as text and refuses a payload that is not ours", () => {
  const plain = new TextEncoder().encode(JSON.stringify({ status: 500, body: "plain words" }));
  const reply = decodeReply(plain);
  assert.equal(reply.status, 500);
  assert.equal(reply.text, "plain words");
  assert.equal(decodeReply(new TextEncoder().encode("junk")).status, 502);
  assert.equal(decodeReply(new TextEncoder().encode('{"x":1}')).status, 502);
});
