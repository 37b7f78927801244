import assert from "node:assert/strict";
import { test } from "node:test";
import { apply, envelope, online, received, sent, T0 } from "../_fixtures.ts";
import { markDelivery } from "./delivery.ts";
import { update, type ViewerEvent } from "./state.ts";
import { toViewerEvent } from "../sources/sse.ts";

const outcome = (
  e: ReturnType<typeof envelope>,
  status: "delivered" | "queued" | "refused",
  reason?: string,
): ViewerEvent => ({ type: "outcome", node: e.from, envelope: e, peer: e.to, status, reason });

test("update keeps each recipient's delivery state from the sender's outcome", () => {
  const e = envelope("m1", "frontend", "backend", "hi");
  const s = apply(online(["frontend", "backend"]), [sent(e), received(e), outcome(e, "delivered")]);
  assert.equal(s.chat.length, 1);
  assert.deepEqual(s.chat[0].delivery?.map((m) => [m.peer, m.state]), [["backend", "delivered"]]);
});

test("update shows a queued message once, unanimated, and its later delivery report", () => {
  const e = envelope("q1", "frontend", "backend", "later");
  let s = apply(online(["frontend", "backend"]), [outcome(e, "queued", "unreachable")]);
  assert.deepEqual(s.chat.map((l) => [l.id, l.to]), [["q1", ["backend"]]]);
  assert.equal(s.flights.length, 0);
  assert.equal(s.chat[0].delivery?.[0].reason, "unreachable");
  s = update(s, {
    type: "delivery_report",
    node: "frontend",
    messageId: "q1",
    peer: "backend",
    outcome: "read",
  }, T0);
  assert.deepEqual(s.chat[0].delivery?.map((m) => m.state), ["read"]);
});

test("update shows a refused broadcast leg beside a delivered one", () => {
  const a = envelope("b1", "frontend", "backend", "all");
  const b = envelope("b1", "frontend", "tester", "all");
  const s = apply(online(["frontend", "backend", "tester"]), [
    sent(a),
    outcome(a, "delivered"),
    outcome(b, "refused", "wrong secret"),
  ]);
  assert.equal(s.chat.length, 1);
  assert.deepEqual(s.chat[0].to, ["backend", "tester"]);
  assert.deepEqual(s.chat[0].delivery?.map((m) => m.state), ["delivered", "refused"]);
});

test("markDelivery never goes back from read to delivered", () => {
  const read = markDelivery([], { peer: "b", state: "read", at: 2 });
  assert.equal(markDelivery(read, { peer: "b", state: "delivered", at: 3 }), read);
});

test("update keeps reply_to on the chat line", () => {
  const e = { ...envelope("r1", "backend", "frontend", "yes"), reply_to: "m1" };
  const s = apply(online(["frontend", "backend"]), [sent(e)]);
  assert.equal(s.chat[0].replyTo, "m1");
});

test("update keeps a permission prompt pending until its verdict or it expires", () => {
  const ask: ViewerEvent = {
    type: "permission_request",
    node: "backend",
    requestId: "ABCDE",
    toolName: "Bash",
    description: "Run npm test",
    inputPreview: "npm test",
    role: "backend",
    at: T0,
  };
  let s = apply(online(["backend"]), [ask]);
  assert.deepEqual(s.prompts?.map((p) => p.requestId), ["abcde"]);
  const answered = update(s, {
    type: "permission_verdict",
    node: "backend",
    requestId: "abcde",
    behavior: "allow",
  }, T0);
  assert.deepEqual(answered.prompts, []);
  s = update(s, { type: "tick" }, T0 + 11 * 60_000);
  assert.deepEqual(s.prompts, []);
});

test("toViewerEvent reads outcome, delivery_report and permission events", () => {
  const e = envelope("m1", "frontend", "backend", "hi");
  const data = JSON.stringify({ envelope: e, peer: "backend", status: "queued", reason: "down" });
  assert.deepEqual(toViewerEvent("frontend", { event: "outcome", data }), {
    type: "outcome",
    node: "frontend",
    envelope: e,
    peer: "backend",
    status: "queued",
    reason: "down",
  });
  const report = JSON.stringify({ message_id: "m1", peer: "backend", outcome: "expired" });
  assert.equal(
    toViewerEvent("frontend", { event: "delivery_report", data: report })?.type,
    "delivery_report",
  );
  const bad = JSON.stringify({ message_id: "m1", peer: "backend", outcome: "teleported" });
  assert.equal(toViewerEvent("frontend", { event: "delivery_report", data: bad }), undefined);
  const ask = JSON.stringify({
    request_id: "abcde",
    tool_name: "Bash",
    at: "2025-03-04T14:32:15Z",
  });
  const event = toViewerEvent("backend", { event: "permission_request", data: ask });
  assert.equal(event?.type === "permission_request" && event.at, T0);
});
