import { test } from "node:test";
import assert from "node:assert/strict";
import { natsViewerEvent, viewerNatsConfig } from "./nats.ts";

const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

test("natsViewerEvent turns a node's broker event into the SSE source's viewer event", () => {
  const envelope = {
    message_id: "msg_1",
    from: "alice",
    to: "bob",
    message: "hi",
    sent_at: "2026-01-01T00:00:00.000Z",
  };
  assert.deepEqual(
    natsViewerEvent("talkie.events.alice", bytes({ event: "send", data: envelope })),
    {
      type: "message",
      node: "alice",
      kind: "send",
      envelope,
    },
  );
  assert.deepEqual(
    natsViewerEvent(
      "talkie.events.bob",
      bytes({ event: "hello", data: { role: "bob", peers: [] } }),
    ),
    { type: "hello", node: "bob", role: "bob", peers: [], version: undefined },
  );
  // Hellos have a subject of their own, one token longer: the node is the same token.
  assert.deepEqual(
    natsViewerEvent(
      "talkie.events.bob.hello",
      bytes({ event: "hello", data: { role: "bob", peers: [] } }),
    ),
    { type: "hello", node: "bob", role: "bob", peers: [], version: undefined },
  );
});

test("natsViewerEvent ignores payloads that are not node events", () => {
  assert.equal(natsViewerEvent("talkie.events.x", new TextEncoder().encode("{")), undefined);
  assert.equal(natsViewerEvent("talkie.events.x", bytes({ event: "send", data: {} })), undefined);
  assert.equal(natsViewerEvent("talkie.events.x", bytes([1])), undefined);
});

test("viewerNatsConfig reads the mesh and login from the node's variables", () => {
  const c = viewerNatsConfig("nats://a:4222, nats://b:4222", {
    INTERCOM_MESH: "team",
    INTERCOM_NATS_USER: "u",
    INTERCOM_NATS_PASSWORD: "p",
  }, () => "");
  assert.deepEqual(c.servers, ["nats://a:4222", "nats://b:4222"]);
  assert.equal(c.mesh, "team");
  assert.equal(c.user, "u");
});

test("viewerNatsConfig refuses what a node would refuse, naming the variable", () => {
  assert.throws(() => viewerNatsConfig("http://a:4222", {}, () => ""), /INTERCOM_NATS_URL entry/);
  assert.throws(
    () => viewerNatsConfig("nats://a:4222", { INTERCOM_MESH: "a.b" }, () => ""),
    /INTERCOM_MESH "a\.b"/,
  );
  assert.throws(
    () => viewerNatsConfig("nats://a:4222", { INTERCOM_NATS_USER: "u" }, () => ""),
    /INTERCOM_NATS_PASSWORD/,
  );
});
