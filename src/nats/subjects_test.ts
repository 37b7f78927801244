import { test } from "node:test";
import assert from "node:assert/strict";
import { meshNames } from "./subjects.ts";

test("meshNames puts every subject, bucket and stream under the mesh name", () => {
  const n = meshNames("team");
  assert.equal(n.direct("backend"), "team.backend");
  assert.equal(n.health("backend"), "team.backend.health");
  assert.equal(n.reports("backend"), "team.backend.reports");
  assert.equal(n.events("backend"), "team.events.backend");
  assert.equal(n.allEvents, "team.events.*");
  assert.equal(n.inbox("backend"), "team.inbox.backend");
  assert.equal(n.allInboxes, "team.inbox.*");
  assert.equal(n.presenceBucket, "team_presence");
  assert.equal(n.rosterBucket, "team_roster");
  assert.equal(n.stream, "team_inbox");
  assert.equal(n.hello("backend"), "team.events.backend.hello");
  assert.equal(n.storedReports("backend"), "team.inbox.backend.reports");
  assert.equal(n.eventStream, "team_events");
});

test("hellos and stored reports stay outside the subjects kept for messages and events", () => {
  // One token more than the stream's wildcards: `team.events.*` keeps events, not hellos.
  const n = meshNames("team");
  const tokens = (s: string) => s.split(".").length;
  assert.equal(tokens(n.hello("a")), tokens(n.allEvents) + 1);
  assert.equal(tokens(n.storedReports("a")), tokens(n.allInboxes) + 1);
});

test("a role's direct subject never collides with the events or inbox subjects", () => {
  // "events" and "inbox" are reserved role names (core/names.ts) for this reason.
  const n = meshNames("talkie");
  assert.notEqual(n.direct("x"), n.events("x"));
  assert.ok(!n.direct("x").startsWith("talkie.events."));
  assert.ok(!n.direct("x").startsWith("talkie.inbox."));
});
