import assert from "node:assert/strict";
import { test } from "node:test";
import { fit, Frame, sanitize, textWidth } from "./frame.ts";
import { diff } from "./frame.ts";

test("Frame.put gives a wide character two cells and clips at the edge", () => {
  const f = new Frame(5, 1);
  assert.equal(f.put(0, 0, "a東b"), 4);
  assert.deepEqual(f.cells.map((c) => c.width), [1, 2, 0, 1, 1]);
  f.put(0, 3, "東"); // would need columns 3-4: fits
  assert.equal(f.line(0), "a東東");
  const g = new Frame(4, 1);
  g.put(0, 0, "abc東"); // 東 would need columns 3-4: left out
  assert.equal(g.line(0), "abc");
});

test("Frame.put blanks the other half of a wide character it overwrites", () => {
  const f = new Frame(4, 1);
  f.put(0, 0, "東京");
  f.put(0, 1, "x");
  assert.equal(f.line(0), " x京");
  f.put(0, 2, "y");
  assert.equal(f.line(0), " xy");
});

test("sanitize removes escapes, bidi overrides and VS16 from untrusted text", () => {
  assert.equal(sanitize("a\x1b[2Jb\u202ec\u2764\ufe0f\n"), "a [2Jbc\u2764 ");
  assert.equal(textWidth("\x1b"), 1);
  assert.equal(textWidth("😀é"), 3);
});

test("fit cuts text to a width with an ellipsis, never splitting a wide character", () => {
  assert.equal(fit("frontend-service", 10), "frontend-…");
  assert.equal(fit("short", 10), "short");
  assert.equal(fit("東京チーム", 6), "東京…");
  assert.equal(textWidth(fit("東京チーム", 6)), 5);
  assert.equal(fit("abc", 0), "");
});

test("diff writes nothing when nothing changed", () => {
  const a = new Frame(10, 3);
  a.put(1, 2, "same");
  const b = new Frame(10, 3);
  b.put(1, 2, "same");
  assert.equal(diff(a, b, { color: true }), "");
});

test("diff writes only the changed cells, after a cursor move", () => {
  const a = new Frame(40, 2);
  a.put(0, 0, "hello world");
  const b = new Frame(40, 2);
  b.put(0, 0, "hello there");
  b.put(1, 30, "x");
  assert.equal(diff(a, b, { color: false }), "\x1b[1;7Hthere\x1b[2;31Hx");
});

test("diff splits a row into spans across long unchanged gaps", () => {
  const a = new Frame(40, 1);
  const b = new Frame(40, 1);
  b.put(0, 0, "a");
  b.put(0, 30, "b");
  assert.equal(diff(a, b, { color: false }), "\x1b[1;1Ha\x1b[1;31Hb");
});

test("diff redraws a wide character whole when only its second half changed", () => {
  const a = new Frame(6, 1);
  a.put(0, 0, "ab");
  const b = new Frame(6, 1);
  b.put(0, 0, "a東");
  assert.equal(diff(a, b, { color: false }), "\x1b[1;2H東");
});

test("diff clears and redraws everything on the first frame or a new size", () => {
  const b = new Frame(4, 2);
  b.put(1, 1, "ok", { fg: "green" });
  assert.equal(diff(undefined, b, { color: true }), "\x1b[H\x1b[2J\x1b[2;2H\x1b[0;32mok\x1b[0m");
  assert.equal(diff(new Frame(5, 2), b, { color: false }), "\x1b[H\x1b[2J\x1b[2;2Hok");
});
