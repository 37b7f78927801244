import { test } from "node:test";
import assert from "node:assert/strict";
import { HttpTransport } from "./transport.ts";

const SECRET = "transport-secret-0123456789";
const envelope = {
  message_id: "msg_1",
  from: "a",
  to: "v2",
  message: "hi",
  sent_at: "2026-11-29T12:00:00.000Z",
};

/** A peer whose /health does or does not advertise signatures; records /message headers. */
function fakePeer(signatures: boolean) {
  const seen: Headers[] = [];
  const fetch = ((input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    if (url.pathname === "/health") {
      const body = { status: "ok", role: "v2", peers: [], version: "2.0.0" };
      return Promise.resolve(
        Response.json(signatures ? { ...body, signatures: ["v1"] } : body),
      );
    }
    seen.push(new Headers(init?.headers));
    return Promise.resolve(Response.json({ ok: true }));
  }) as typeof globalThis.fetch;
  return { seen, fetch };
}

const peer = { name: "v2", url: "http://v2:1" };

test("HttpTransport signs for a peer that verifies signatures and never sends the secret", async () => {
  const p = fakePeer(true);
  const t = new HttpTransport({ peers: [peer], secret: SECRET, fetch: p.fetch });
  assert.equal((await t.deliver(peer, envelope)).ok, true);
  assert.equal(p.seen[0].get("x-intercom-secret"), null);
  assert.equal(p.seen[0].get("webhook-id"), "msg_1");
  assert.match(p.seen[0].get("webhook-signature") ?? "", /^v1,/);
});

test("HttpTransport falls back to the secret header for a v2 peer, warning once", async () => {
  const p = fakePeer(false);
  const logs: string[] = [];
  const t = new HttpTransport({
    peers: [peer],
    secret: SECRET,
    fetch: p.fetch,
    log: (m) => logs.push(m),
  });
  await t.deliver(peer, envelope);
  await t.deliver(peer, { ...envelope, message_id: "msg_2" });
  assert.deepEqual(p.seen.map((h) => h.get("x-intercom-secret")), [SECRET, SECRET]);
  assert.equal(p.seen[0].get("webhook-signature"), null);
  assert.equal(logs.length, 1);
  assert.match(logs[0], /does not verify signatures .*INTERCOM_REQUIRE_SIGNATURE=1/);
  assert.doesNotMatch(logs[0], new RegExp(SECRET));
});

test("HttpTransport with requireSignature signs even for a v2 peer", async () => {
  const p = fakePeer(false);
  const t = new HttpTransport({
    peers: [peer],
    secret: SECRET,
    fetch: p.fetch,
    requireSignature: true,
  });
  await t.deliver(peer, envelope);
  assert.equal(p.seen[0].get("x-intercom-secret"), null);
  assert.match(p.seen[0].get("webhook-signature") ?? "", /^v1,/);
});

test("HttpTransport has nothing to connect: start resolves, status names PEERS, close is idempotent", async () => {
  const transport = new HttpTransport({
    peers: [{ name: "frontend", url: "http://frontend:1" }],
    secret: "transport-secret-0123456789",
    fetch: (() =>
      Promise.reject(new TypeError("fetch failed: Connection refused"))) as typeof fetch,
  });
  await transport.start();
  assert.deepEqual(transport.status(), { scope: "PEERS" });
  assert.deepEqual(transport.peers().map((p) => p.name), ["frontend"]);
  const probe = await transport.probe(transport.peers()[0]);
  assert.deepEqual(probe, { state: "offline", reason: "connection refused" });
  await transport.close();
  await transport.close();
});
