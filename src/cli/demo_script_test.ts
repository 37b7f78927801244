import { test } from "node:test";
import assert from "node:assert/strict";
import { openerAt, OPENERS, replyFor } from "./demo_script.ts";

test("replyFor answers a new message from a known sender", () => {
  const r = replyFor("backend", "frontend", false, 0);
  assert.equal(r?.tool, "send_message");
  assert.equal(r?.tool === "send_message" && r.to, "frontend");
});

test("replyFor never answers a reply, so scripted sessions cannot loop", () => {
  assert.equal(replyFor("backend", "frontend", true, 0), undefined);
  assert.equal(replyFor("backend", "webhook", false, 0), undefined);
});

test("every opener comes from a demo role", () => {
  for (const o of OPENERS) assert.match(o.from, /^(backend|frontend|tester)$/);
});

test("openerAt cycles through the openers and marks each start over", () => {
  const n = OPENERS.length;
  assert.deepEqual(
    Array.from({ length: 2 * n + 1 }, (_, i) => openerAt(i).restarts),
    Array.from({ length: 2 * n + 1 }, (_, i) => i === n || i === 2 * n),
  );
  assert.equal(openerAt(n + 1).from, OPENERS[1].from);
});
