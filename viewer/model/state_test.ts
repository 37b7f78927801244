import assert from "node:assert/strict";
import { test } from "node:test";
import { apply, envelope, hello, online, received, sent, T0 } from "../_fixtures.ts";
import { initialState, moodOf, TIMING, update } from "./state.ts";

const mood = (s: ReturnType<typeof online>, key: string, at: number) =>
  moodOf(s.desks.find((d) => d.key === key)!, at);

test("update shows a message seen on both its sender and its receiver as one chat line", () => {
  const e = envelope("m1", "frontend", "backend", "hi");
  const s = apply(online(["frontend", "backend"]), [sent(e), received(e)]);
  assert.deepEqual(s.chat.map((l) => [l.id, l.from, l.to]), [["m1", "frontend", ["backend"]]]);
  assert.equal(s.flights.length, 1);
  const reversed = apply(online(["frontend", "backend"]), [received(e), sent(e)]);
  assert.deepEqual(reversed.chat, s.chat);
});

test("update shows a broadcast as one line naming every recipient", () => {
  const names = ["frontend", "backend", "tester"];
  const toBackend = envelope("b1", "frontend", "backend", "standup");
  const toTester = envelope("b1", "frontend", "tester", "standup");
  const s = apply(online(names), [
    sent(toBackend),
    sent(toTester),
    received(toTester),
    received(toBackend),
  ]);
  assert.equal(s.chat.length, 1);
  assert.deepEqual(s.chat[0].to, ["backend", "tester"]);
  assert.deepEqual(s.flights.map((f) => f.to), ["backend", "tester"]);
});

test("update orders the feed by sent_at, ties in order of arrival", () => {
  const s = apply(online(["a", "b"]), [
    sent(envelope("late", "a", "b", "2", T0 + 2000)),
    sent(envelope("early", "b", "a", "1", T0 - 1000)),
    sent(envelope("tie", "a", "b", "3", T0 + 2000)),
  ]);
  assert.deepEqual(s.chat.map((l) => l.id), ["early", "late", "tie"]);
});

test("update survives a reconnect: offline, connecting, online, replays deduplicated", () => {
  const e = envelope("m1", "a", "b", "hi");
  let s = apply(online(["a", "b"]), [sent(e)]);
  s = update(s, { type: "connection", node: "a", status: "offline", error: "ECONNREFUSED" }, T0);
  assert.equal(mood(s, "a", T0 + 10_000), "offline");
  assert.equal(s.desks[0].error, "ECONNREFUSED");
  s = update(s, { type: "connection", node: "a", status: "connecting" }, T0 + 3000);
  assert.equal(mood(s, "a", T0 + 3000), "connecting");
  s = apply(s, [hello("a", ["a", "b"]), sent(e)], T0 + 3100);
  assert.equal(s.desks[0].connection, "online");
  assert.equal(s.desks[0].error, undefined);
  assert.equal(s.chat.length, 1);
});

test("update marks a 401 as auth failed and ignores nodes it does not watch", () => {
  const s0 = initialState(["a"]);
  const s = update(s0, { type: "connection", node: "a", status: "auth-failed" }, T0);
  assert.equal(s.desks[0].error, "auth failed");
  assert.equal(mood(s, "a", T0), "offline");
  assert.equal(update(s0, { type: "connection", node: "zz", status: "online" }, T0), s0);
});

test("moods time out: talking, then listening on arrival, then idle", () => {
  const s = apply(online(["a", "b"]), [sent(envelope("m1", "a", "b", "hi"))]);
  assert.equal(mood(s, "a", T0), "talking");
  assert.equal(mood(s, "b", T0), "idle");
  assert.equal(mood(s, "b", T0 + TIMING.flightMs), "listening");
  assert.equal(mood(s, "a", T0 + TIMING.talkMs), "idle");
  assert.equal(mood(s, "b", T0 + TIMING.flightMs + TIMING.listenMs), "idle");
});

test("a tick drops arrows that arrived and changes nothing else", () => {
  const s = apply(online(["a", "b"]), [sent(envelope("m1", "a", "b", "hi"))]);
  assert.equal(update(s, { type: "tick" }, T0 + 10), s);
  const later = update(s, { type: "tick" }, T0 + TIMING.flightMs);
  assert.equal(later.flights.length, 0);
  assert.equal(later.chat, s.chat);
});

test("update adds a desk per peer a hello names, once, and lets a watched node replace it", () => {
  let s = update(initialState(["a"]), hello("a", ["a", "b", "c"]), T0);
  assert.deepEqual(s.desks.map((d) => [d.key, d.watched]), [["a", true], ["b", false], [
    "c",
    false,
  ]]);
  s = update(initialState(["a", "bee"]), hello("a", ["a", "b"]), T0);
  s = update(s, { type: "hello", node: "bee", role: "b", peers: ["a"] }, T0);
  assert.deepEqual(s.desks.map((d) => d.key), ["a", "bee"]);
  s = update(s, sent(envelope("m1", "a", "b", "hi")), T0);
  assert.equal(s.flights[0].to, "bee");
});

test("update adds old messages (replayed history) to the feed without animating them", () => {
  const s = apply(online(["a", "b"]), [sent(envelope("old", "a", "b", "hi", T0 - 60_000))]);
  assert.equal(s.chat.length, 1);
  assert.equal(s.flights.length, 0);
  assert.equal(mood(s, "a", T0), "idle");
});

test("a message from outside the mesh makes its recipient listen at once, without an arrow", () => {
  const s = apply(online(["a"]), [received(envelope("w1", "webhook", "a", "deploy done"))]);
  assert.equal(s.flights.length, 0);
  assert.equal(mood(s, "a", T0), "listening");
  assert.equal(s.chat[0].from, "webhook");
});

test("messages sent before the viewer started fill the feed and make nobody talk", () => {
  const start = { ...online(["a", "b"]), since: T0 };
  const s = apply(start, [
    sent(envelope("old", "a", "b", "before", T0 - 1000)),
    received(envelope("old", "a", "b", "before", T0 - 1000)),
  ], T0 + 200);
  assert.deepEqual(s.chat.map((l) => l.id), ["old"]);
  assert.equal(s.flights.length, 0);
  assert.equal(mood(s, "a", T0 + 200), "idle");
  assert.equal(mood(s, "b", T0 + 200 + TIMING.flightMs), "idle");
  const live = apply(s, [sent(envelope("new", "a", "b", "after", T0 + 300))], T0 + 300);
  assert.equal(mood(live, "a", T0 + 300), "talking");
  assert.equal(initialState(["a"], T0).since, T0);
});

test("a note joins the feed once, in order of time, and animates nothing", () => {
  let s = apply(online(["a", "b"]), [sent(envelope("m1", "a", "b", "hi"))]);
  s = update(s, { type: "note", id: "n1", text: "— demo script restarts —" }, T0 + 5000);
  s = update(s, { type: "note", id: "n1", text: "— demo script restarts —" }, T0 + 6000);
  assert.deepEqual(s.chat.map((l) => [l.id, l.at, l.note ?? false]), [
    ["m1", T0, false],
    ["n1", T0 + 5000, true],
  ]);
  assert.equal(s.flights.length, 1);
});

test("a reply sent before the arrow arrived shows its sender talking, not listening", () => {
  let s = apply(online(["a", "b"]), [sent(envelope("m1", "a", "b", "question"))]);
  s = update(s, sent(envelope("m2", "b", "a", "answer", T0 + 600)), T0 + 600);
  assert.equal(mood(s, "b", T0 + TIMING.flightMs + 100), "talking");
  assert.equal(mood(s, "a", T0 + 600 + TIMING.flightMs), "listening");
});
