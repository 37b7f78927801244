import assert from "node:assert/strict";
import { test } from "node:test";
import { brokerRoleProblem, MESH_NAME, MESSAGE_ID, roleProblem } from "./names.ts";

test("roleProblem accepts the names of the README", () => {
  for (const name of ["backend", "frontend", "developer-a", "qa_1", "team.web"]) {
    assert.equal(roleProblem(name), undefined, name);
  }
  assert.equal(roleProblem("x".repeat(64)), undefined);
});

test("roleProblem says why a name is refused: empty, too long, bad characters", () => {
  assert.match(roleProblem("")!, /empty/);
  assert.match(roleProblem("x".repeat(65))!, /65 characters long, over the limit of 64/);
  assert.match(roleProblem("a b")!, /may only contain/);
  assert.match(roleProblem("über")!, /may only contain/);
});

test("brokerRoleProblem also refuses a dot and suggests a name", () => {
  assert.equal(brokerRoleProblem("backend"), undefined);
  assert.match(brokerRoleProblem("team.web")!, /use "team-web"/);
  assert.match(brokerRoleProblem("")!, /empty/);
  assert.match(brokerRoleProblem("events")!, /reserved/);
  assert.equal(roleProblem("events"), undefined);
});

test("MESSAGE_ID and MESH_NAME bound length and characters", () => {
  assert.ok(MESSAGE_ID.test("msg_0123:ab.c-d"));
  assert.ok(!MESSAGE_ID.test("x".repeat(129)));
  assert.ok(!MESSAGE_ID.test("a b"));
  assert.ok(MESH_NAME.test("talkie"));
  assert.ok(!MESH_NAME.test("a.b"));
});

test("roleProblem reserves the operator's name in any case", () => {
  assert.match(roleProblem("operator")!, /reserved for the human operator/);
  assert.match(roleProblem("Operator")!, /reserved/);
  assert.equal(roleProblem("operators"), undefined);
});
