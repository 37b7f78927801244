import assert from "node:assert/strict";
import { test } from "node:test";
import { assertGolden } from "../../tests/support/golden.ts";
import { visible } from "./ansi.ts";
import { apply, envelope, online, received, sent, T0 } from "../_fixtures.ts";
import { diff, type Frame } from "./frame.ts";
import { MOODS } from "./moods.ts";
import { preferredHeight, render } from "./scene.ts";
import { initialState, TIMING, update, type ViewerState } from "../model/state.ts";

const frameAt = (state: ViewerState, now: number, width = 80, height = 24): Frame =>
  render(update(state, { type: "tick" }, now), { width, height, now });
const at = (state: ViewerState, now: number, width = 80, height = 24) =>
  frameAt(state, now, width, height).toText();

// Control codes made visible, one escape sequence a line, so a golden diff reads well.
const escapes = (out: string) => visible(out).replaceAll("␛[", "\n␛[").replace(/^\n/, "");

/** Every room row starts and ends with a wall: nothing pushed the grid out of shape. */
function assertGridIntact(frame: Frame): void {
  const top = frame.line(0);
  assert.ok(top.startsWith("╔") && top.endsWith("╗"), top);
  for (let r = 1; r < frame.height && !frame.line(r).startsWith("╚"); r++) {
    assert.equal(frame.at(r, 0)?.ch, "║", `row ${r}: ${frame.line(r)}`);
    assert.equal(frame.at(r, frame.width - 1)?.ch, "║", `row ${r}: ${frame.line(r)}`);
  }
}

/** The original's picture: frontend asks tester to check the login flow (T0 + 2 s). */
function originalScene(): ViewerState {
  const names = ["backend", "frontend", "tester"];
  // The first two messages came before the viewer started: history, in the feed only.
  const start = { ...online(names), since: T0 + 1500 };
  const e = envelope("m3", "frontend", "tester", "check the login flow on staging", T0 + 2000);
  return apply(
    apply(start, [
      sent(envelope("m1", "frontend", "backend", "what API endpoints exist for /users?")),
      sent(
        envelope("m2", "backend", "frontend", "GET /api/users returns paginated list", T0 + 1000),
      ),
    ], T0 + 1500),
    [sent(e), received(e)],
    T0 + 2000,
  );
}

/** The instant of the original's picture: the arrow near tester, frontend still talking. */
const PICTURE = T0 + 2000 + 1200;

test("render draws the original's office: 3 desks, a bubble with its tail, the feed, at 80x24", () => {
  const frame = frameAt(originalScene(), PICTURE);
  assertGridIntact(frame);
  assertGolden("three_desks_80x24", frame.toText());
});

test("render draws an empty office", () => {
  assertGolden("empty_office", at(initialState([]), T0));
});

test("render moves an arrow along the floor, rightward and leftward", () => {
  const names = ["backend", "frontend", "tester"];
  const right = envelope("m1", "backend", "tester", "what API endpoints exist for users?");
  const left = envelope("m2", "tester", "backend", "all green");
  const ticks = [0, 500, 1000, TIMING.flightMs];
  const frames = [[right, "right"], [left, "left"]].flatMap(([e, way]) => {
    const s = apply(online(names), [sent(e as typeof right), received(e as typeof right)]);
    return ticks.map((dt) => `--- ${way} t+${dt}ms ---\n` + at(s, T0 + dt, 60, 20));
  });
  assertGolden("arrow_in_flight", frames.join("\n"));
});

test("render sends a broadcast's arrows to every recipient and shows it once in the feed", () => {
  const names = ["backend", "frontend", "tester"];
  const events = ["backend", "tester"].flatMap((to) => {
    const e = envelope("b1", "frontend", to, "standup in 5 minutes");
    return [sent(e), received(e)];
  });
  assertGolden("broadcast", at(apply(online(names), events), T0 + 600, 60, 20));
});

test("render gives two speakers at once each their own bubble", () => {
  const names = ["backend", "frontend", "tester"];
  const s = apply(online(names), [
    sent(envelope("m1", "backend", "tester", "deploying the API to staging now")),
    sent(envelope("m2", "frontend", "tester", "the settings page is ready for review")),
  ]);
  assertGolden("two_bubbles", at(s, T0 + 300, 60, 20));
});

function everyMood(): ViewerState {
  const names = ["idle", "talking", "listening", "connecting", "offline", "denied"];
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
  s = update(s, { type: "connection", node: "denied", status: "auth-failed" }, T0);
  return update(s, sent(envelope("m1", "talking", "listening", "ping")), T0);
}

test("render draws each mood on the avatar: blink, mouth, ear, looking around, X eyes", () => {
  // Two instants (the talking mouth open then shut, the connecting eyes right then left),
  // the idle desk's blink, then the compact avatars.
  const idle = everyMood().desks[0];
  const blink = Array.from({ length: 80 }, (_, i) => 1500 + i * 50)
    .find((dt) => MOODS.idle.face({ desk: idle, now: T0 + dt, toward: 0 }).eyes === "closed")!;
  const frames = [[1600, 24], [2350, 24], [blink, 24], [1600, 18]].map(([dt, height]) =>
    `--- t+${dt}ms 112x${height} ---\n` + at(everyMood(), T0 + dt, 112, height)
  );
  assertGolden("moods", frames.join("\n"));
});

test("render's first frame with colours, control codes made visible", () => {
  const frame = frameAt(everyMood(), T0 + TIMING.flightMs + 300, 112, 24);
  assertGolden("moods_ansi", escapes(diff(undefined, frame, { color: true })));
});

test("render under NO_COLOR draws the same picture without any SGR", () => {
  const frame = frameAt(originalScene(), PICTURE);
  const out = diff(undefined, frame, { color: false });
  assert.doesNotMatch(visible(out), /␛\[[0-9;]*m/);
  assertGolden("no_color", escapes(out));
});

test("render shows why a node is offline on its mood line", () => {
  let s = online(["frontend", "backend", "tester"]);
  s = update(s, { type: "connection", node: "backend", status: "auth-failed" }, T0);
  s = update(s, { type: "connection", node: "tester", status: "offline", error: "timeout" }, T0);
  const text = at(s, T0 + 1000, 60, 20);
  assert.match(text, /auth failed/);
  assert.match(text, /unreachable/);
  assertGolden("offline_auth_failed", text);
});

test("render shows a session's status line after its mood, control characters made spaces", () => {
  let s = online(["frontend", "backend", "tester"]);
  s = update(s, { type: "status", node: "backend", text: "fixing\u001b[31m login" }, T0);
  const text = at(s, T0 + 1000);
  assert.match(text, /idle · fixing \[3…/, "cut to the slot");
  assert.ok(!text.includes("\u001b"), "no escape character reaches the frame");
  s = update(s, { type: "status", node: "backend", text: "" }, T0);
  assert.doesNotMatch(at(s, T0 + 1000), /fixing/);
});

test("render draws 12 desks at 80x24 as a compact office, names kept, feed visible", () => {
  const names = Array.from({ length: 12 }, (_, i) => `node-${String(i + 1).padStart(2, "0")}`);
  const e = envelope("m1", "node-02", "node-11", "cross-row message");
  const frame = frameAt(apply(online(names), [sent(e), received(e)]), T0 + 900);
  assertGridIntact(frame);
  const text = frame.toText();
  for (const n of names) assert.match(text, new RegExp(`● ${n}`));
  assert.match(text, /node-02 → node-11: cross-row message/);
  assertGolden("compact_12_desks_80x24", text);
});

test("render wraps 30 desks into rows at 160x50", () => {
  const names = Array.from({ length: 30 }, (_, i) => `agent-${i + 1}`);
  const events = [
    envelope("m1", "agent-3", "agent-25", "rebased on main, please pull"),
    envelope("m2", "agent-30", "agent-12", "tests are green"),
  ].flatMap((e) => [sent(e), received(e)]);
  const frame = frameAt(apply(online(names), events), T0 + 800, 160, 50);
  assertGridIntact(frame);
  for (const n of names) assert.match(frame.toText(), new RegExp(`● ${n}\\b`));
  assertGolden("thirty_desks_160x50", frame.toText());
});

test("render shows a one-line notice naming the size needed below the minimum", () => {
  const s = online(["frontend", "backend"]);
  const notice = at(s, T0, 40, 9);
  assert.equal(notice, "Too small for 2 desks: need 40x14, have…" + "\n".repeat(8));
  assert.match(at(s, T0, 60, 9), /^Too small for 2 desks: need 60x14, have 60x9; q quits\n+$/);
  assert.equal(at(s, T0, 40, 14).split("\n")[0][0], "╔");
  assert.match(at(s, T0, 14, 30), /^Too small for…$/m);
});

test("render keeps the grid intact with long and emoji names and hostile text", () => {
  const names = ["café", "東京チーム", "😀bot", "a-very-long-node-name-indeed"];
  let s = initialState(names);
  for (const n of names) s = update(s, { type: "connection", node: n, status: "online" }, T0);
  s = apply(s, [
    sent(envelope("u1", "東京チーム", "café", "こんにちは ❤️ \x1b[31mred\x1b[0m\nnext line")),
    sent(envelope("u2", "😀bot", "a-very-long-node-name-indeed", "\u202eevil bidi ok")),
  ]);
  const frame = frameAt(s, T0 + 500, 80, 24);
  assertGridIntact(frame);
  const text = frame.toText();
  for (const bad of ["\x1b", "\u202e", "\ufe0f"]) assert.ok(!text.includes(bad));
  assertGolden("unicode_names", text);
});

test("render draws a 60 KB message as a cut bubble and a feed entry of three rows", () => {
  const big = "lorem ipsum dolor sit amet ".repeat(2300).slice(0, 60_000);
  const s = apply(online(["backend", "frontend", "tester"]), [
    sent(envelope("big", "frontend", "backend", big)),
  ]);
  const frame = frameAt(s, T0 + 400);
  assertGridIntact(frame);
  assertGolden("message_60kb", frame.toText());
});

test("preferredHeight fits the room, the rule, the feed and the hint line", () => {
  const s = originalScene();
  const height = preferredHeight(s, 80);
  const text = at(s, PICTURE, 80, height);
  assert.equal(height, 15 + 2 + 3);
  assert.match(text.split("\n").at(-1)!, /3 watched · 3 online/);
  // A crowded office with a short feed still gets the original's desks.
  const crowd = online(Array.from({ length: 30 }, (_, i) => `n${i}`));
  assert.match(at(crowd, T0, 80, preferredHeight(crowd, 80)), /▄████▄/);
});

test("render keeps every row within the terminal at any size, for any names and texts", () => {
  let seed = 42;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const pieces = ["a", "東京", "😀", "é", "-", "x".repeat(30), "\x1b[2J", "\u202e", " "];
  const word = () =>
    Array.from({ length: 1 + rand(4) }, () => pieces[rand(pieces.length)]).join("");
  for (let run = 0; run < 150; run++) {
    const names = Array.from({ length: rand(35) }, (_, i) => `${word()}${i}`);
    let s = online(names);
    for (let m = 0; m < rand(6) && names.length > 1; m++) {
      const e = envelope(`m${m}`, names[rand(names.length)], names[rand(names.length)], word());
      s = apply(s, [sent(e), received(e)]);
    }
    const width = 1 + rand(200), height = 1 + rand(70);
    const frame = frameAt(s, T0 + rand(5000), width, height);
    for (let r = 0; r < height; r++) {
      const row = frame.cells.slice(r * width, (r + 1) * width);
      assert.equal(row.reduce((w, c) => w + c.width, 0), width, `${width}x${height} row ${r}`);
    }
    if (frame.line(0).startsWith("╔")) assertGridIntact(frame);
    else {
      const first = frame.line(0).replace(/…$/, "");
      assert.ok(first.startsWith("Too small") || "Too small".startsWith(first), first);
    }
  }
});

test("render uses large desks at 160x48: waiting, not started, and a bubble holding a sentence", () => {
  const names = ["backend", "frontend", "tester", "docs", "ops"];
  let s = online(["backend", "frontend", "tester", "ops"]);
  s = { ...s, desks: [...s.desks, { key: "docs", role: "docs", watched: true }] };
  s = { ...s, desks: names.map((n) => s.desks.find((d) => d.key === n)!) };
  s = apply(s, [
    { type: "connection", node: "docs", status: "not-started", error: "no node" },
    { type: "connection", node: "ops", status: "offline", error: "ECONNREFUSED" },
    {
      type: "permission_request",
      node: "backend",
      requestId: "abcde",
      toolName: "Bash",
      description: "Run npm test",
      inputPreview: "{}",
      role: "backend",
      at: T0,
    },
  ]);
  const e = envelope(
    "m1",
    "frontend",
    "tester",
    "check the login flow on staging: the reset link answers 404 since this morning's deploy",
  );
  s = apply(s, [sent(e), received(e)], T0 + 100);
  const frame = frameAt(s, T0 + 900, 160, 48);
  assertGridIntact(frame);
  const text = frame.toText();
  assert.match(text, /not started/);
  assert.match(text, /🔒 waiting/);
  assert.match(text, /│ staging: the reset link +│/);
  assertGolden("large_desks_160x48", text);
});
