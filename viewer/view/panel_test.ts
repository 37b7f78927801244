import assert from "node:assert/strict";
import { test } from "node:test";
import { assertGolden } from "../../tests/support/golden.ts";
import { apply, envelope, online, received, T0 } from "../_fixtures.ts";
import { age, promptLine, revealed } from "./panel.ts";
import { render } from "./scene.ts";
import { moodOf, update, type ViewerState } from "../model/state.ts";
import { type PromptRequest, selectedPrompt } from "../model/prompts.ts";

const prompt = (
  node: string,
  requestId: string,
  at: number,
  extra: Partial<PromptRequest> = {},
): PromptRequest => ({
  type: "permission_request",
  node,
  role: node,
  requestId,
  toolName: "Bash",
  description: "Run npm test",
  inputPreview: '{ "command": "npm test" }',
  at,
  ...extra,
});

/** backend and tester wait on prompts; the operator spoke to frontend. */
function waitingOffice(): ViewerState {
  const names = ["backend", "frontend", "tester"];
  const s = apply(online(names), [
    received(envelope("m1", "operator", "frontend", "please pause the deploy", T0 - 5000)),
  ]);
  // Each prompt is seen when it is asked: its age counts on the viewer's clock.
  const tester = prompt("tester", "qwert", T0 - 3000, {
    toolName: "Write",
    description: "Create file\u202eexe.txt",
    inputPreview: "line one\nline two\x1b[31m",
  });
  return update(update(s, tester, T0 - 3000), prompt("backend", "abcde", T0 - 12_000), T0 - 12_000);
}

const draw = (state: ViewerState, now = T0, width = 80, height = 32) =>
  render(update(state, { type: "tick" }, now), { width, height, now, operator: true }).toText();

test("revealed shows control characters and bidi marks instead of obeying them", () => {
  assert.equal(revealed("a\nb\x1b[31m\u202eevil\u200b"), "a␊b␛[31m⟨U+202E⟩evil⟨U+200B⟩");
  assert.equal(revealed('plain { "x": 1 }'), 'plain { "x": 1 }');
});

test("promptLine reads node · tool · description · id · age", () => {
  const [p] = waitingOffice().prompts!.filter((x) => x.node === "backend");
  assert.equal(promptLine(p, T0), "backend · Bash · Run npm test · abcde · 12 s");
  assert.equal(age(185_000), "3 min");
});

test("the newest prompt is selected and arrows move the selection", () => {
  let s = waitingOffice();
  assert.equal(s.selected, "backend/abcde");
  s = update(s, { type: "select", delta: -1 }, T0);
  assert.equal(s.selected, "tester/qwert");
  s = update(s, { type: "select", delta: -1 }, T0);
  assert.equal(s.selected, "tester/qwert");
  s = update(s, { type: "permission_expired", node: "tester", requestId: "qwert" }, T0);
  assert.equal(selectedPrompt(s)?.requestId, "abcde");
  assert.equal(s.desks.find((d) => d.key === "tester")!.waiting, false);
});

test("a desk with a pending prompt is waiting until the prompt ends or expires", () => {
  const s = waitingOffice();
  const backend = s.desks.find((d) => d.key === "backend")!;
  assert.equal(moodOf(backend, T0), "waiting");
  const later = update(s, { type: "tick" }, T0 + 600_000);
  assert.deepEqual(later.prompts, []);
  assert.equal(moodOf(later.desks[0], T0 + 600_000), "idle");
});

test("render draws the panel under the office and the waiting mood (golden)", () => {
  const text = draw(waitingOffice());
  assert.match(text, /▸ backend · Bash · Run npm test · abcde · 12 s/);
  assert.match(text, /🔒 waiting/);
  assert.match(text, /★ operator → frontend: please pause the deploy/);
  assertGolden("operator_panel", text);
});

test("render draws the selected prompt's preview and a compose line (golden)", () => {
  let s = update(waitingOffice(), { type: "select", delta: -1 }, T0);
  s = update(s, { type: "compose", edit: { action: "open" } }, T0);
  s = update(s, {
    type: "compose",
    edit: { action: "recipient", delta: 1, recipients: ["backend", "frontend"] },
  }, T0);
  s = update(s, { type: "compose", edit: { action: "type", text: "hold on\n" } }, T0);
  const text = draw(s, T0, 80, 32);
  assert.match(text, /Create file⟨U\+202E⟩exe\.txt/);
  assert.match(text, /line one␊line two␛\[31m/);
  assert.match(text, /message to backend ▸ hold on▏/);
  assertGolden("operator_panel_compose", text);
});

test("a hello brings the node's pending prompts and drops those it no longer has", () => {
  const s = update(waitingOffice(), {
    type: "hello",
    node: "backend",
    role: "backend",
    peers: [],
    prompts: [prompt("backend", "zzzzz", T0)],
  }, T0);
  assert.deepEqual(s.prompts!.map((p) => `${p.node}/${p.requestId}`), [
    "tester/qwert",
    "backend/zzzzz",
  ]);
});
