import assert from "node:assert/strict";
import { test } from "node:test";
import { formatMatches, parseSince } from "./tools_search.ts";

test("parseSince takes ISO 8601 times and durations back from now", () => {
  const now = Date.UTC(2026, 11, 7, 12);
  assert.equal(parseSince("2h", now), Date.UTC(2026, 11, 7, 10));
  assert.equal(parseSince("30m", now), now - 1_800_000);
  assert.equal(parseSince("7d", now), now - 7 * 86_400_000);
  assert.equal(parseSince("2026-12-07T10:00:00Z", now), Date.UTC(2026, 11, 7, 10));
  assert.throws(() => parseSince("yesterday", now), RangeError);
});

test("formatMatches shows routing facts, the snippet and the thread", () => {
  const out = formatMatches("deploy", [{
    message_id: "m2",
    direction: "out",
    from: "me",
    to: "backend",
    at: Date.UTC(2026, 11, 7, 10),
    snippet: "retry the [deploy] now",
    reply_to: "m1",
    outcome: "read",
    thread: [{ message_id: "m1", from: "backend", to: "me", text: "deploy failed" }],
  }]);
  assert.match(out, /^1 message match "deploy"/);
  assert.match(
    out,
    /\[message_id=m2 2026-12-07T10:00:00.000Z me → backend outcome=read reply_to=m1\]/,
  );
  assert.match(out, /thread: m1 backend → me: "deploy failed"/);
  assert.equal(formatMatches("x", []), 'No message matches "x".');
});
