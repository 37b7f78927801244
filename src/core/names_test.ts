import assert from "node:assert/strict";
import { test } from "node:test";
import {
  brokerRoleProblem,
  MESH_NAME,
  MESSAGE_ID,
  roleFrom,
  roleProblem,
  uniqueRole,
} from "./names.ts";

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

test("roleFrom makes a valid role of a directory name", () => {
  assert.equal(roleFrom("api"), "api");
  assert.equal(roleFrom("my app (copy)"), "my-app-copy");
  assert.equal(roleFrom("über-ui"), "ber-ui");
  assert.equal(roleFrom(".hidden"), "hidden");
  assert.equal(roleFrom("x".repeat(70)), "x".repeat(64));
  assert.equal(roleFrom("日本"), "session");
  assert.equal(roleFrom("Operator"), "session");
  for (const name of ["a b", "", "---", "x".repeat(63) + " y"]) {
    assert.equal(roleProblem(roleFrom(name)), undefined, name);
  }
});

test("uniqueRole adds the first free suffix, within the length limit", () => {
  assert.equal(uniqueRole("api", []), "api");
  assert.equal(uniqueRole("api", ["api"]), "api-2");
  assert.equal(uniqueRole("api", ["api", "api-2"]), "api-3");
  assert.equal(uniqueRole("x".repeat(64), ["x".repeat(64)]), "x".repeat(62) + "-2");
});
