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
});

test("a role's direct subject never collides with the events or inbox subjects", () => {
  // "events" and "inbox" are reserved role names (core/names.ts) for this reason.
  const n = meshNames("talkie");
  assert.notEqual(n.direct("x"), n.events("x"));
  assert.ok(!n.direct("x").startsWith("talkie.events."));
  assert.ok(!n.direct("x").startsWith("talkie.inbox."));
});
