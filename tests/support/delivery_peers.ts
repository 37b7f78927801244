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

/** One report, whether it came alone or folded with others into one event. */
export interface Report {
  message_id: string;
  peer: string;
  outcome: string;
  /** The report's own line of text. */
  content: string;
}

/**
 * The reports in `events` (other events skipped): a folded event (meta `count`, `message_ids`)
 * gives one report per id, its peer and outcome read from its own line when they differ.
 */
export function reportsIn(events: readonly ChannelEvent[]): Report[] {
  const out: Report[] = [];
  for (const e of events) {
    const meta = e.meta ?? {};
    if (meta.kind !== "delivery_report") continue;
    if (!meta.message_ids) {
      out.push({
        message_id: meta.message_id,
        peer: meta.peer,
        outcome: meta.outcome,
        content: e.content,
      });
      continue;
    }
    for (const id of meta.message_ids.split(",")) {
      const line = e.content.split("\n").find((l) => l.includes(id)) ?? "";
      const peer = meta.peer !== "several" ? meta.peer : /to "([^"]+)"/.exec(line)?.[1] ?? "";
      const outcome = meta.outcome !== "mixed"
        ? meta.outcome
        : /\b(delivered|held|expired|refused)\b/.exec(line)?.[1] ?? "";
      out.push({ message_id: id, peer, outcome, content: line });
    }
  }
  return out;
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
