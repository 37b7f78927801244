import { test } from "node:test";
import assert from "node:assert/strict";
import { deliver } from "./client.ts";

const peer = { name: "busy", url: "http://busy:1" };
const envelope = {
  message_id: "msg_1",
  from: "a",
  to: "busy",
  message: "hi",
  sent_at: "2026-11-29T12:00:00.000Z",
};

test("deliver reads a 429's Retry-After into a retryable outcome, in milliseconds", async () => {
  const fetch = (() =>
    Promise.resolve(
      Response.json({ ok: false, error: "busy: try again in 1 s" }, {
        status: 429,
        headers: { "retry-after": "1" },
      }),
    )) as typeof globalThis.fetch;
  const outcome = await deliver(peer, envelope, { secret: "s", timeoutMs: 1_000, fetch });
  assert.equal(outcome.ok, false);
  assert.equal(!outcome.ok && outcome.retryable, true);
  assert.equal(!outcome.ok && outcome.retryAfterMs, 1_000);
  assert.match(!outcome.ok ? outcome.reason : "", /busy: try again in 1 s/);
});
