import assert from "node:assert/strict";
import { test } from "node:test";
import { colorWanted, moveTo, PLAIN, sameStyle, sgr, visible } from "./ansi.ts";

test("sgr starts from a reset and adds bold, dim and the colour", () => {
  assert.equal(sgr(PLAIN), "\x1b[0m");
  assert.equal(sgr({ fg: "green", bold: true }), "\x1b[0;1;32m");
  assert.equal(sgr({ fg: "gray", dim: true }), "\x1b[0;2;90m");
});

test("sameStyle treats a missing flag as false", () => {
  assert.ok(sameStyle({ bold: false }, PLAIN));
  assert.ok(!sameStyle({ fg: "red" }, { fg: "cyan" }));
});

test("moveTo takes 0-based coordinates", () => {
  assert.equal(moveTo(0, 0), "\x1b[1;1H");
  assert.equal(moveTo(4, 9), "\x1b[5;10H");
});

test("colorWanted is off under a non-empty NO_COLOR or --no-color", () => {
  assert.equal(colorWanted({}, false), true);
  assert.equal(colorWanted({ NO_COLOR: "1" }, false), false);
  assert.equal(colorWanted({ NO_COLOR: "" }, false), true);
  assert.equal(colorWanted({}, true), false);
});

test("visible shows control codes as symbols and keeps newlines", () => {
  assert.equal(visible("\x1b[0m\ta\nb\x7f"), "␛[0m␉a\nb␡");
});
