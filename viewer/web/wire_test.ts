import assert from "node:assert/strict";
import { test } from "node:test";
import { apply, envelope, online, sent, T0 } from "../_fixtures.ts";
import { update } from "../model/state.ts";
import { changes, snapshot, sseText } from "./wire.ts";

const info = { operator: false, addresses: { backend: "http://127.0.0.1:8788" } };

test("snapshot carries everything the page shows, addresses on the desks", () => {
  const s = online(["backend", "frontend"]);
  const { event, data } = snapshot(s, info, T0);
  assert.equal(event, "snapshot");
  assert.equal(data.now, T0);
  const desks = data.desks as { key: string; address?: string }[];
  assert.deepEqual(desks.map((d) => [d.key, d.address]), [
    ["backend", "http://127.0.0.1:8788"],
    ["frontend", undefined],
  ]);
});

test("changes sends only the new chat lines, the desks and the new arrows", () => {
  const before = online(["backend", "frontend"]);
  const after = apply(before, [sent(envelope("m1", "frontend", "backend", "hi"))]);
  const events = changes(before, after, info, T0).map((m) => m.event);
  assert.deepEqual(events, ["desks", "lines", "flights"]);
  assert.deepEqual(changes(after, after, info, T0), []);
  const ticked = update(after, { type: "tick" }, T0 + 60_000);
  assert.deepEqual(changes(after, ticked, info, T0), [], "landed arrows are the page's business");
});

test("sseText frames one event with one data line, whatever the text holds", () => {
  const text = sseText({ event: "lines", data: { lines: [{ text: "a\n\ndata: forged\n" }] } });
  assert.equal(text.split("\n").length, 4);
  assert.match(text, /^event: lines\ndata: \{.*\}\n\n$/);
});
