import assert from "node:assert/strict";
import { test } from "node:test";
import { shownLine, shownText } from "./shown_text.ts";

test("shownLine makes one line: controls, NEL and separators a space, bidi and zero-width gone", () => {
  assert.equal(
    shownLine("a\nb\r\u0085c\u2028d\u2029e\u001b[31mf\u202eg\u2066h\u200bi\ufeffj", 100),
    "a b c d e [31mfghij",
  );
  assert.equal(shownLine("  x  \t y ", 100), "x y");
});

test("shownLine bounds the length with an ellipsis", () => {
  assert.equal(shownLine("abcdefgh", 5), "abcd…");
  assert.equal(shownLine("abcde", 5), "abcde");
});

test("shownText keeps line feeds, ZWJ and ZWNJ", () => {
  assert.equal(shownText("a\nb\u0085c\u200bd"), "a\nb cd");
  const family = "\u{1f468}\u200d\u{1f469}\u200d\u{1f467}";
  assert.equal(shownText(family), family);
});
