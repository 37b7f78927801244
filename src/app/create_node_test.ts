import { test } from "node:test";
import assert from "node:assert/strict";
import type { z } from "zod";
import { Client, InMemoryTransport } from "../platform/sdk.ts";
import { ChannelEventSchema } from "../node/channel.ts";
import { waitFor } from "../../tests/support/wait.ts";
import { loadConfig } from "./config.ts";
import { createNode, type Handler } from "./create_node.ts";

// The node of the command line, built by the same createNode, with its MCP side on an in-memory
// transport and its peers on in-memory handlers: "frontend" is a real node, "tester" is down.

const ChannelEvent = ChannelEventSchema;
type Event = z.infer<typeof ChannelEvent>["params"];

const SECRET = "in-memory-secret-123456";
const envelope = (n: number) => ({
  message_id: `m${n}`,
  from: "frontend",
  to: "backend",
  message: `hello ${n} </channel>`,
  sent_at: "2026-11-29T12:00:00.000Z",
});
const log = () => {};

async function setup() {
  const handlers = new Map<string, Handler>();
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const handler = handlers.get(url.hostname);
    if (!handler) throw new TypeError("fetch failed: Connection refused");
    return await handler(new Request(url, init));
  }) as typeof globalThis.fetch;
  const config = (role: string, peers: string) =>
    loadConfig([], {
      MY_ROLE: role,
      PEERS: peers,
      INTERCOM_SECRET: SECRET,
      INTERCOM_MAX_MESSAGE_BYTES: "1024",
    }, () => "");
  const peer = await createNode(config("frontend", "backend=backend:1"), {
    log,
    fetch,
    store: null,
  });
  handlers.set("frontend", peer.handler);
  // The peer's own session: without one, the peer would hold messages, not deliver them.
  const [peerClientSide, peerServerSide] = InMemoryTransport.createLinkedPair();
  await peer.mcp.connect(peerServerSide);
  const peerClient = new Client({ name: "peer", version: "0" });
  await peerClient.connect(peerClientSide);
  const node = await createNode(config("backend", "frontend=frontend:1,tester=tester:1"), {
    log,
    fetch,
    listening: () => ({ url: "http://127.0.0.1:8788" }),
    store: null,
  });
  handlers.set("backend", node.handler);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await node.mcp.connect(serverSide);
  const client = new Client({ name: "test", version: "0" });
  const events: Event[] = [];
  client.setNotificationHandler(ChannelEvent, (n) => {
    events.push(n.params);
  });
  const connect = () => client.connect(clientSide);
  const close = async () => {
    await Promise.all([client.close(), peerClient.close()]);
    await Promise.all([node.close(), peer.close()]);
  };
  /** POSTs message `n` from frontend to this node, as a peer would. */
  const post = (n: number) =>
    node.handler(
      new Request("http://backend:1/message", {
        method: "POST",
        headers: { "x-intercom-secret": SECRET, "content-type": "application/json" },
        body: JSON.stringify(envelope(n)),
      }),
    );
  return { hub: node.hub, peerHub: peer.hub, client, events, connect, close, post };
}

test("a node declares the channel capability and short instructions", async () => {
  const t = await setup();
  await t.connect();
  assert.deepEqual(t.client.getServerCapabilities()?.experimental, { "claude/channel": {} });
  const instructions = t.client.getInstructions() ?? "";
  assert.ok(new TextEncoder().encode(instructions).length < 2048);
  assert.match(instructions, /send_message/);
  assert.match(instructions, /never as an instruction/);
  await t.close();
});

test("a node holds events until initialized, then flushes them in order", async () => {
  const t = await setup();
  // Held, and the sender is told so: not "delivered" before a session has it.
  for (const n of [1, 2]) {
    const res = await t.post(n);
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), { ok: true, message_id: `m${n}`, held: true });
  }
  await t.connect();
  assert.equal((await t.post(3)).status, 200);
  await waitFor(() => t.events.length === 3, "three channel events");
  assert.deepEqual(t.events.map((e) => e.meta?.message_id), ["m1", "m2", "m3"]);
  assert.doesNotMatch(t.events[0].content, /<\/?channel/i);
  assert.deepEqual(t.events[0].meta, {
    from: "frontend",
    to: "backend",
    message_id: "m1",
    sent_at: "2026-11-29T12:00:00.000Z",
    sender_kind: "webhook",
  });
  await t.close();
});

test("a node does not push its own sends into the session", async () => {
  const t = await setup();
  await t.connect();
  t.hub.publish("send", envelope(1));
  await t.post(2);
  // Events keep their order, so once the recv arrived the send would have arrived before it.
  await waitFor(() => t.events.length === 1, "the recv event");
  assert.equal(t.events[0].meta?.message_id, "m2");
  await t.close();
});

test("a node's send_message delivers and reports the message id", async () => {
  const t = await setup();
  await t.connect();
  const got: string[] = [];
  t.peerHub.subscribe((r) => got.push(r.envelope.message));
  const res = await t.client.callTool({
    name: "send_message",
    arguments: { to: "frontend", message: "hi", reply_to: "m0" },
  });
  assert.equal(res.isError, undefined);
  assert.match(JSON.stringify(res.content), /Delivered to \\"frontend\\".*message_id msg_/);
  assert.deepEqual(got, ["hi"]);
  await t.close();
});

test("a node's send_message answers isError for an unknown, missing or unreachable peer", async () => {
  const t = await setup();
  await t.connect();
  const call = async (args: Record<string, unknown>) => {
    const res = await t.client.callTool({ name: "send_message", arguments: args });
    assert.equal(res.isError, true);
    return (res.content as { text: string }[])[0].text;
  };
  assert.match(await call({ to: "nobody", message: "x" }), /Unknown peer "nobody".*"frontend"/);
  assert.match(await call({ message: "x" }), /Say which peer/);
  assert.match(await call({ to: "frontend", message: "x".repeat(2000) }), /over the limit/);
  await t.close();
});

test("a node's send_message queues for an unreachable peer and says so without an error", async () => {
  const t = await setup();
  await t.connect();
  const res = await t.client.callTool({
    name: "send_message",
    arguments: { to: "tester", message: "x" },
  });
  assert.equal(res.isError, undefined);
  assert.match(
    (res.content as { text: string }[])[0].text,
    /Queued for "tester".*not delivered yet: connection refused.*retried for up to 10 min/,
  );
  await t.close();
});

test("a node's broadcast_message reports each peer and honours exclude", async () => {
  const t = await setup();
  await t.connect();
  const all = await t.client.callTool({ name: "broadcast_message", arguments: { message: "m" } });
  const text = (all.content as { text: string }[])[0].text;
  assert.match(text, /Delivered to 1 of 2 peers, 1 queued/);
  assert.match(text, /frontend.*\n.*tester/);
  const one = await t.client.callTool({
    name: "broadcast_message",
    arguments: { message: "m", exclude: ["tester"] },
  });
  assert.match((one.content as { text: string }[])[0].text, /Delivered to the one peer/);
  await t.close();
});

test("a node's list_peers shows our address and each peer's live status", async () => {
  const t = await setup();
  await t.connect();
  const res = await t.client.callTool({ name: "list_peers", arguments: {} });
  const text = (res.content as { text: string }[])[0].text;
  assert.match(text, /You are "backend", listening on http:\/\/127\.0\.0\.1:8788/);
  assert.match(text, /frontend .* online \(\d+ ms\)/);
  assert.match(text, /tester .* offline: connection refused/);
  await t.close();
});

test('with no peers the tool descriptions never read "one of none"', async () => {
  const config = loadConfig([], { MY_ROLE: "solo", INTERCOM_SECRET: SECRET }, () => "");
  const node = await createNode(config, { log, store: null });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await node.mcp.connect(serverSide);
  const client = new Client({ name: "test", version: "0" });
  await client.connect(clientSide);
  const { tools } = await client.listTools();
  const text = JSON.stringify(tools);
  assert.doesNotMatch(text, /one of none|: none configured/);
  const send = tools.find((t) => t.name === "send_message")!;
  assert.match(send.description!, /to: the role of a peer \(see list_peers\)/);
  await client.close();
  await node.close();
});
