import assert from "node:assert/strict";
import { test } from "node:test";
import { wrap } from "./desk.ts";

test("wrap breaks between words and marks what was left over", () => {
  assert.deepEqual(wrap("check the login flow on staging", 12, 2), ["check the", "login flow…"]);
  assert.deepEqual(wrap("short", 12, 3), ["short"]);
  assert.deepEqual(wrap("a  b\n\nc", 12, 3), ["a b c"]);
});

test("wrap cuts a word longer than a line", () => {
  assert.deepEqual(wrap("supercalifragilistic yes", 8, 2), ["superca…", "yes"]);
  assert.deepEqual(wrap("", 8, 2), []);
});
