import { test } from "node:test";
import assert from "node:assert/strict";
import { demoLine, openerAt, OPENERS, replyFor } from "./demo_script.ts";

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

test("demoLine prints a chat message as one clean line", () => {
  const meta = {
    from: "frontend",
    to: "tester",
    message_id: "m1",
    sent_at: "2026-01-01T00:00:00Z",
  };
  assert.equal(
    demoLine("tester", meta, "check\nthe login", () => "14:32:17"),
    "14:32:17 frontend → tester: check the login",
  );
});

test("demoLine prints a read receipt as who read whose message, and skips other reports", () => {
  const clock = () => "14:32:18";
  const read = { kind: "delivery_report", message_id: "m1", peer: "tester", outcome: "read" };
  assert.equal(
    demoLine("frontend", read, "Your message m1 was read.", clock),
    "14:32:18 tester read frontend's message",
  );
  const expired = { ...read, outcome: "expired" };
  assert.equal(demoLine("frontend", expired, "…", clock), undefined);
  assert.equal(demoLine("frontend", { kind: "other" }, "…", clock), undefined);
  assert.equal(demoLine("frontend", {}, "no sender", clock), undefined);
});
