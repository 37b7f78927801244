import assert from "node:assert/strict";
import { test } from "node:test";
import { stateDir, storeFile } from "./location.ts";

test("stateDir prefers INTERCOM_STATE_DIR, then XDG_STATE_HOME, then ~/.local/state", () => {
  assert.equal(stateDir({ INTERCOM_STATE_DIR: "/s", XDG_STATE_HOME: "/x" }), "/s");
  assert.equal(stateDir({ XDG_STATE_HOME: "/x" }), "/x/claude-talkie-walkie");
  assert.equal(stateDir({ HOME: "/home/u" }), "/home/u/.local/state/claude-talkie-walkie");
});

test("storeFile names one database per role and mesh", () => {
  assert.equal(storeFile("/s", "alpha"), "/s/alpha.db");
  assert.equal(storeFile("/s", "alpha", "team"), "/s/team.alpha.db");
});
