import assert from "node:assert/strict";
import { test } from "node:test";
import { deliveryOutcome, parseRetryAfter, probeOutcome } from "./outcome.ts";

test("deliveryOutcome: delivered only for the acknowledgement of this message id", () => {
  const ok = deliveryOutcome({ status: 200, body: { ok: true, message_id: "m1" } }, "m1", 2);
  assert.deepEqual(ok, { ok: true, status: 200, latencyMs: 2 });
  const other = deliveryOutcome({ status: 200, body: { ok: true, message_id: "m2" } }, "m1", 2);
  assert.equal(!other.ok && other.kind, "refused");
  assert.match(!other.ok ? other.reason : "", /acknowledged another message/);
});

test("deliveryOutcome: a v2 node's {ok:true} without an id counts as delivered", () => {
  assert.equal(deliveryOutcome({ status: 200, body: { ok: true } }, "m1", 1).ok, true);
});

test("deliveryOutcome: a message held for a session that has not connected is not delivered", () => {
  const body = { ok: true, message_id: "m1", held: true };
  const o = deliveryOutcome({ status: 202, body }, "m1", 1);
  assert.equal(!o.ok && o.kind, "held");
  assert.equal(!o.ok && o.retryable, false);
});

test("deliveryOutcome: a web page, {ok:false} or an empty 204 is not a delivery", () => {
  for (
    const reply of [
      { status: 200, text: "<html>Login</html>" },
      { status: 200, body: { ok: false } },
      { status: 204 },
      { status: 200, body: ["ok"] },
    ]
  ) {
    const o = deliveryOutcome(reply, "m1", 1);
    assert.equal(o.ok, false, JSON.stringify(reply));
    assert.equal(!o.ok && o.retryable, false);
    assert.match(!o.ok ? o.reason : "", /not as a talkie-walkie node: check that PEERS/);
  }
});

test("deliveryOutcome: a redirect is a refusal that names the Location", () => {
  const o = deliveryOutcome({ status: 302, location: "https://login.example/" }, "m1", 1);
  assert.equal(!o.ok && o.kind, "refused");
  assert.equal(!o.ok && o.retryable, false);
  assert.match(!o.ok ? o.reason : "", /redirects to https:\/\/login\.example\/ \(HTTP 302\)/);
});

test("deliveryOutcome: 401 unauthorized, 429 and 5xx retryable, 4xx refused with the text", () => {
  const denied = deliveryOutcome({ status: 401, body: { error: "Signature rejected" } }, "m", 1);
  assert.equal(!denied.ok && denied.kind, "unauthorized");
  assert.equal(!denied.ok && denied.reason, "Signature rejected");
  const busy = deliveryOutcome({ status: 429, body: {}, retryAfterMs: 7000 }, "m", 1);
  assert.equal(!busy.ok && busy.retryable, true);
  assert.equal(!busy.ok && busy.retryAfterMs, 7000);
  assert.equal(deliveryOutcome({ status: 503 }, "m", 1).ok, false);
  const gone = deliveryOutcome({ status: 404, text: "Not   Found\n" }, "m", 1);
  assert.equal(!gone.ok && gone.retryable, false);
  assert.equal(!gone.ok && gone.reason, "HTTP 404: Not Found");
});

test("probeOutcome tells online, wrong role and offline apart", () => {
  const body = { role: "bob", version: "2.1.0", signatures: ["v1"], authenticated: false };
  const online = probeOutcome({ status: 200, body }, "bob", 2);
  assert.deepEqual(online, {
    state: "online",
    role: "bob",
    latencyMs: 2,
    version: "2.1.0",
    signatures: true,
    authenticated: false,
    authError: undefined,
  });
  assert.equal(probeOutcome({ status: 200, body }, "carol", 2).state, "wrong_role");
  // REMOTE_HOST's peer: any role is the right one.
  assert.equal(probeOutcome({ status: 200, body }, undefined, 2).state, "online");
  assert.equal(probeOutcome({ status: 500, body: {} }, "bob", 2).state, "offline");
  const page = probeOutcome({ status: 200, text: "<html>" }, "bob", 2);
  assert.deepEqual(page, {
    state: "offline",
    reason: "/health did not answer like a talkie-walkie node",
  });
});

test("parseRetryAfter reads seconds and HTTP dates", () => {
  assert.equal(parseRetryAfter("3"), 3000);
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(
    parseRetryAfter("Wed, 21 Oct 2015 07:28:10 GMT", Date.UTC(2015, 9, 21, 7, 28, 0)),
    10_000,
  );
  assert.equal(parseRetryAfter("soon"), undefined);
});
