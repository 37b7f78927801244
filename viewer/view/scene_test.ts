import assert from "node:assert/strict";
import { test } from "node:test";
import { assertGolden } from "../../tests/support/golden.ts";
import { visible } from "./ansi.ts";
import { apply, envelope, online, received, sent, T0 } from "../_fixtures.ts";
import { diff } from "./frame.ts";
import { render } from "./scene.ts";
import { initialState, TIMING, update, type ViewerState } from "../model/state.ts";

const at = (state: ViewerState, now: number, width = 80, height = 24) =>
  render(update(state, { type: "tick" }, now), { width, height, now }).toText();

test("render draws an empty office", () => {
  assertGolden("empty_office", at(initialState([]), T0));
});

test("render draws three idle nodes", () => {
  assertGolden("three_idle", at(online(["frontend", "backend", "tester"]), T0 + 1000));
});

test("render moves an arrow along the floor while a message is in flight", () => {
  const names = ["frontend", "backend", "tester"];
  const e = envelope("m1", "frontend", "tester", "what API endpoints exist for users?");
  const s = apply(online(names), [sent(e), received(e)]);
  const ticks = [0, 500, 1000, TIMING.flightMs, TIMING.talkMs];
  const frames = ticks.map((dt) => `--- t+${dt}ms ---\n` + at(s, T0 + dt, 64, 14));
  assertGolden("message_in_flight", frames.join("\n"));
});

test("render sends a broadcast's arrows to every recipient and shows it once in the feed", () => {
  const names = ["frontend", "backend", "tester"];
  const events = ["backend", "tester"].flatMap((to) => {
    const e = envelope("b1", "frontend", to, "standup in 5 minutes");
    return [sent(e), received(e)];
  });
  assertGolden("broadcast", at(apply(online(names), events), T0 + 600, 64, 14));
});

function everyMood(): ViewerState {
  const names = ["idle", "talking", "listening", "connecting", "offline"];
  let s = initialState(names);
  s = apply(
    s,
    ["idle", "talking", "listening"].map((n) => ({
      type: "hello" as const,
      node: n,
      role: n,
      peers: [],
    })),
  );
  s = update(
    s,
    { type: "connection", node: "offline", status: "offline", error: "ECONNREFUSED" },
    T0,
  );
  return update(s, sent(envelope("m1", "talking", "listening", "ping")), T0);
}

test("render shows each mood", () => {
  assertGolden("moods", at(everyMood(), T0 + TIMING.flightMs + 300, 100, 14));
});

test("render's first frame with colours, control codes made visible", () => {
  const now = T0 + TIMING.flightMs + 300;
  const frame = render(update(everyMood(), { type: "tick" }, now), { width: 100, height: 14, now });
  const out = diff(undefined, frame, { color: true });
  assertGolden("moods_ansi", visible(out).replaceAll("␛[", "\n␛[").replace(/^\n/, ""));
});

test("render shows an offline node and one that failed authentication", () => {
  let s = online(["frontend", "backend", "tester"]);
  s = update(s, { type: "connection", node: "backend", status: "auth-failed" }, T0);
  s = update(s, { type: "connection", node: "tester", status: "offline", error: "timeout" }, T0);
  assertGolden("offline_auth_failed", at(s, T0 + 1000, 64, 13));
});

test("render wraps 12 nodes into rows", () => {
  const names = Array.from({ length: 12 }, (_, i) => `node-${String(i + 1).padStart(2, "0")}`);
  const e = envelope("m1", "node-02", "node-11", "cross-row message");
  assertGolden("twelve_nodes", at(apply(online(names), [sent(e)]), T0 + 900, 80, 30));
});

test("render fits a 40x12 terminal, and shows a notice when smaller", () => {
  const e = envelope("m1", "frontend", "backend", "hello there, backend");
  const s = apply(online(["frontend", "backend"]), [
    sent(envelope("m0", "backend", "frontend", "earlier", T0 - 5000)),
    sent(e),
  ]);
  assertGolden("small_40x12", at(s, T0 + 400, 40, 12));
  const notice = at(s, T0, 40, 9);
  assert.match(notice, /^Terminal too small \(40x9\): need 10 rows/);
  assert.equal(notice.split("\n").filter((l) => l !== "").length, 1);
  assert.match(at(s, T0, 12, 30), /^Terminal to…$/m);
});

test("render handles Unicode names and hostile message text", () => {
  const names = ["café", "東京チーム", "😀bot", "a-very-long-node-name-indeed"];
  let s = initialState(names);
  for (const n of names) s = update(s, { type: "connection", node: n, status: "online" }, T0);
  s = apply(s, [
    sent(envelope("u1", "東京チーム", "café", "こんにちは ❤️ \x1b[31mred\x1b[0m\nnext line")),
    sent(envelope("u2", "😀bot", "a-very-long-node-name-indeed", "\u202eevil bidi ok")),
  ]);
  const text = at(s, T0 + 500, 80, 14);
  for (const bad of ["\x1b", "\u202e", "\ufe0f"]) assert.ok(!text.includes(bad));
  assertGolden("unicode_names", text);
});
