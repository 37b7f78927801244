import { test } from "node:test";
import assert from "node:assert/strict";
import { HttpTransport } from "./transport.ts";

const SECRET = "downgrade-secret-0123456789";
const envelope = {
  message_id: "msg_1",
  from: "a",
  to: "v2",
  message: "hi",
  sent_at: "2026-11-29T12:00:00.000Z",
};

/** A peer whose /health advertises signatures while `state.signs`; records /message headers. */
function fakePeer(state: { signs: boolean }) {
  const seen: Headers[] = [];
  const fetch = ((input: string | URL | Request, init?: RequestInit) => {
    if (new URL(String(input)).pathname === "/health") {
      const body = { status: "ok", role: "v2", peers: [], version: "2.0.0" };
      return Promise.resolve(
        Response.json(state.signs ? { ...body, signatures: ["v1"] } : body),
      );
    }
    seen.push(new Headers(init?.headers));
    return Promise.resolve(Response.json({ ok: true }));
  }) as typeof globalThis.fetch;
  return { seen, fetch };
}

test("HttpTransport never sends the secret header to a v2 peer over HTTPS unless allowed", async () => {
  const peer = { name: "v2", url: "https://v2.ngrok-free.app" };
  const p = fakePeer({ signs: false });
  const t = new HttpTransport({ peers: [peer], secret: SECRET, fetch: p.fetch });
  const o = await t.deliver(peer, envelope);
  assert.equal(o.ok, false);
  assert.ok(!o.ok && o.kind === "refused" && !o.retryable);
  assert.match(!o.ok ? o.reason : "", /INTERCOM_ALLOW_SECRET_HEADER=1/);
  assert.equal(p.seen.length, 0);

  const allowed = new HttpTransport({
    peers: [peer],
    secret: SECRET,
    fetch: p.fetch,
    allowSecretHeader: true,
  });
  const sent = await allowed.deliver(peer, envelope);
  assert.equal(sent.ok, true);
  assert.match(sent.ok ? sent.reason ?? "" : "", /X-Intercom-Secret header/);
  assert.equal(p.seen[0].get("x-intercom-secret"), SECRET);
});

test("HttpTransport says in the outcome when a plain-HTTP v2 peer got the secret header", async () => {
  const peer = { name: "v2", url: "http://v2:1" };
  const p = fakePeer({ signs: false });
  const t = new HttpTransport({ peers: [peer], secret: SECRET, fetch: p.fetch });
  const o = await t.deliver(peer, envelope);
  assert.ok(o.ok && /X-Intercom-Secret header/.test(o.reason ?? ""));
});

test("HttpTransport keeps signing for a peer that advertised signatures once", async () => {
  const peer = { name: "v2", url: "http://v2:1" };
  const state = { signs: true };
  const p = fakePeer(state);
  const logs: string[] = [];
  const t = new HttpTransport({
    peers: [peer],
    secret: SECRET,
    fetch: p.fetch,
    log: (l) => logs.push(l),
  });
  await t.probe(peer);
  state.signs = false;
  await t.probe(peer);
  const o = await t.deliver(peer, envelope);
  assert.ok(o.ok && o.reason === undefined);
  assert.equal(p.seen[0].get("x-intercom-secret"), null);
  assert.match(p.seen[0].get("webhook-signature") ?? "", /^v1,/);
  assert.equal(logs.length, 1);
  assert.match(logs[0], /no longer advertises signatures/);
});
