import { test } from "node:test";
import assert from "node:assert/strict";
import { errorText, throttledLog } from "./log_once.ts";

test("throttledLog says a repeated failure once a window and counts the rest", () => {
  const lines: string[] = [];
  let now = 0;
  const say = throttledLog((l) => lines.push(l), 60_000, () => now);
  say("beat", "heartbeat failed");
  say("beat", "heartbeat failed");
  say("watch", "watch stopped");
  now = 59_999;
  say("beat", "heartbeat failed");
  assert.deepEqual(lines, ["heartbeat failed", "watch stopped"]);
  now = 60_000;
  say("beat", "heartbeat failed again");
  assert.equal(lines[2], "heartbeat failed again (2 more like it since the last one)");
});

test("errorText gives the message of an error, or the value as text", () => {
  assert.equal(errorText(new Error("boom")), "boom");
  assert.equal(errorText("plain"), "plain");
  assert.equal(errorText(undefined), "undefined");
});
