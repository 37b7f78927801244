import assert from "node:assert/strict";
import { test } from "node:test";
import { keyActions } from "./keys.ts";
import { initialState, update, type ViewerState } from "./model/state.ts";

const withPrompt = (): ViewerState =>
  update(initialState(["backend"], 0), {
    type: "permission_request",
    node: "backend",
    requestId: "abcde",
    toolName: "Bash",
    description: "Run npm test",
    inputPreview: "{}",
    role: "backend",
    at: 0,
  }, 1);

test("keyActions only names what happens: y answers the selected prompt, q quits", () => {
  const o = { operator: true, recipients: ["backend"] };
  const [verdict] = keyActions(withPrompt(), "y", o);
  assert.equal(verdict.type, "verdict");
  assert.equal(verdict.type === "verdict" && verdict.prompt.requestId, "abcde");
  assert.deepEqual(keyActions(withPrompt(), "q", o), [{ type: "quit" }]);
  // Without the operator key y does nothing.
  assert.deepEqual(keyActions(withPrompt(), "y", { ...o, operator: false }), []);
});

test("keyActions sends a composed message to every recipient, or to the one picked", () => {
  const o = { operator: true, recipients: ["backend", "tester"] };
  let state = update(initialState(["backend", "tester"], 0), {
    type: "compose",
    edit: { action: "open" },
  }, 1);
  state = update(state, { type: "compose", edit: { action: "type", text: "hi" } }, 1);
  const actions = keyActions(state, "enter", o);
  assert.deepEqual(actions.at(-1), { type: "message", to: ["backend", "tester"], text: "hi" });
  assert.equal(actions[0].type, "fold");
});
