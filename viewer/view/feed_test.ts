import assert from "node:assert/strict";
import { test } from "node:test";
import { T0 } from "../_fixtures.ts";
import { drawFeed, entryRows, feedHeight, wrap } from "./feed.ts";
import { Frame, textWidth } from "./frame.ts";
import type { ChatLine } from "../model/state.ts";

const line = (id: string, text: string, at = T0): ChatLine => ({
  id,
  at,
  from: "frontend",
  to: ["backend"],
  text,
});

test("wrap breaks at spaces, cuts long words and ends a cut text with …", () => {
  assert.deepEqual(wrap("the build is green", [9, 9]), ["the build", "is green"]);
  assert.deepEqual(wrap("the build is green", [9]), ["the buil…"]);
  assert.deepEqual(wrap("abcdefghij", [4, 4, 4]), ["abcd", "efgh", "ij"]);
  assert.deepEqual(wrap("東京チーム東京", [5, 5]), ["東京", "チー…"]);
  assert.deepEqual(wrap("", [5]), []);
});

test("entryRows indents continuation rows and never exceeds the width", () => {
  const rows = entryRows(line("m", "word ".repeat(40)), {
    width: 40,
    maxRows: 3,
    utcOffsetMinutes: 0,
  });
  assert.equal(rows.length, 3);
  for (const r of rows) assert.ok(textWidth(r.map(([t]) => t).join("")) <= 40);
  assert.match(rows[2].map(([t]) => t).join(""), /^ {9}.*…$/);
});

test("drawFeed shows the newest entries at the bottom under the chat rule, notes dim", () => {
  const chat: ChatLine[] = [
    line("a", "first"),
    line("b", "second", T0 + 1000),
    { id: "n", at: T0 + 2000, from: "", to: [], text: "— demo script restarts —", note: true },
  ];
  const f = new Frame(50, 4);
  drawFeed(f, chat, { top: 0, rows: 3, utcOffsetMinutes: 0 });
  assert.equal(
    f.toText(),
    [
      "─── chat " + "─".repeat(41),
      "14:32:15 frontend → backend: first",
      "14:32:16 frontend → backend: second",
      "14:32:17 — demo script restarts —",
    ].join("\n"),
  );
  assert.equal(f.at(3, 9)?.style.dim, true);
  assert.equal(feedHeight(chat, 50, 10), 3);
  assert.equal(feedHeight([], 50, 10), 1);
});

test("drawFeed cuts the oldest visible entry rather than dropping the newest", () => {
  const chat = [line("a", "alpha ".repeat(30)), line("b", "beta")];
  const f = new Frame(40, 4);
  drawFeed(f, chat, { top: 0, rows: 3, utcOffsetMinutes: 0 });
  const rows = f.toText().split("\n");
  assert.match(rows[1], /^14:32:15 frontend → backend: alpha/);
  assert.match(rows[2], /^ {9}alpha.*…$/);
  assert.equal(rows[3], "14:32:15 frontend → backend: beta");
});
