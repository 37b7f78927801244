/**
 * Fixtures for the delivery tests: the scripted fake peers alpha sends to, and checks on the
 * tool results and delivery reports a sender gets back.
 *
 * @module
 */

import assert from "node:assert/strict";
import { FakePeer } from "./fake_peer.ts";
import { type ChannelEvent, META_KEY } from "./harness.ts";

/** The message_id a tool result reports. */
export function messageIdOf(text: string): string {
  const m = text.match(/message_id (msg_[0-9a-f]+)/);
  assert.ok(m, `result names a message_id: ${text}`);
  return m[1];
}

/** Checks that a channel event is a delivery report Claude Code would keep whole. */
export function assertReport(
  event: ChannelEvent,
  expected: { message_id: string; peer: string; outcome: string },
): void {
  const meta = event.meta ?? {};
  assert.equal(meta.kind, "delivery_report", JSON.stringify(event));
  assert.equal(meta.message_id, expected.message_id, JSON.stringify(event));
  assert.equal(meta.peer, expected.peer, JSON.stringify(event));
  assert.equal(meta.outcome, expected.outcome, JSON.stringify(event));
  assert.match(meta.attempts ?? "", /^[1-9]\d*$/, JSON.stringify(event));
  for (const [key, value] of Object.entries(meta)) {
    assert.match(key, META_KEY);
    assert.equal(typeof value, "string", `meta ${key} is a string`);
  }
  assert.match(event.content, new RegExp(expected.message_id));
}

/**
 * The four scripted peers: flaky (500, 500, then 200), busy (429 with Retry-After: 1, then
 * 200), tiny (always 413) and locked (always 401).
 */
export function startFakePeers(): Promise<[FakePeer, FakePeer, FakePeer, FakePeer]> {
  return Promise.all([
    FakePeer.start("flaky", (attempt) => ({
      status: attempt <= 2 ? 500 : 200,
      ...(attempt <= 2 ? { body: { ok: false, error: "flaky hiccup" } } : {}),
    })),
    FakePeer.start("busy", (attempt) =>
      attempt === 1
        ? {
          status: 429,
          headers: { "retry-after": "1" },
          body: { ok: false, error: "busy: try again in 1 s" },
        }
        : { status: 200 }),
    FakePeer.start("tiny", () => ({
      status: 413,
      body: { ok: false, error: "Body is over 20 bytes: the message limit is 3 bytes" },
    })),
    FakePeer.start("locked", () => ({
      status: 401,
      body: { ok: false, error: "Wrong X-Intercom-Secret: use the same INTERCOM_SECRET" },
    })),
  ]);
}
