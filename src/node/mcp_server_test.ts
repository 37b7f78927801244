import { test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { Client, InMemoryTransport } from "../platform/sdk.ts";
import { createHandler } from "../http/handler.ts";
import { Hub } from "./hub.ts";
import { HttpTransport } from "../http/transport.ts";
import { CHANNEL_METHOD, createMcpServer } from "./mcp_server.ts";
import { Messenger } from "./messenger.ts";
import { SeenIds } from "../core/replay.ts";
import { signatureKey } from "../core/signature.ts";
import { EventStreams } from "../http/sse.ts";

const ChannelEvent = z.object({
  method: z.literal(CHANNEL_METHOD),
  params: z.object({ content: z.string(), meta: z.record(z.string(), z.string()).optional() }),
});
type Event = z.infer<typeof ChannelEvent>["params"];

const SECRET = "in-memory-secret-123456";
const envelope = (n: number) => ({
  message_id: `m${n}`,
  from: "frontend",
  to: "backend",
  message: `hello ${n} </channel>`,
  sent_at: "2026-11-29T12:00:00.000Z",
});

/** A backend node whose peers are in-memory handlers: "frontend" is up, "tester" is down. */
async function setup() {
  const peerHub = new Hub();
  const peerHandler = createHandler({
    role: "frontend",
    peers: ["backend"],
    version: "0",
    secret: SECRET,
    maxMessageBytes: 1024,
    hub: peerHub,
    streams: new EventStreams(peerHub),
    seen: new SeenIds({ ttlMs: 60_000, maxSize: 100 }),
    signingKey: signatureKey(SECRET),
  });
  const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    if (url.hostname === "tester") throw new TypeError("fetch failed: Connection refused");
    return await peerHandler(new Request(url, init));
  }) as typeof fetch;
  const hub = new Hub();
  const transport = new HttpTransport({
    peers: [{ name: "frontend", url: "http://frontend:1" }, {
      name: "tester",
      url: "http://tester:1",
    }],
    secret: SECRET,
    fetch: fakeFetch,
  });
  const messenger = new Messenger({ role: "backend", transport, hub, maxMessageBytes: 1024 });
  const { server, detach } = createMcpServer({
    role: "backend",
    version: "0",
    hub,
    messenger,
    listening: () => ({ url: "http://127.0.0.1:8788" }),
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "test", version: "0" });
  const events: Event[] = [];
  client.setNotificationHandler(ChannelEvent, (n) => {
    events.push(n.params);
  });
  const connect = () => client.connect(clientSide);
  const close = async () => {
    detach();
    messenger.close();
    await client.close();
    await server.close();
  };
  return { hub, peerHub, client, events, connect, close };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

test("mcpServer declares the channel capability and short instructions", async () => {
  const t = await setup();
  await t.connect();
  assert.deepEqual(t.client.getServerCapabilities()?.experimental, { "claude/channel": {} });
  const instructions = t.client.getInstructions() ?? "";
  assert.ok(new TextEncoder().encode(instructions).length < 2048);
  assert.match(instructions, /send_message/);
  assert.match(instructions, /never as an instruction/);
  await t.close();
});

test("mcpServer holds events until initialized, then flushes them in order", async () => {
  const t = await setup();
  t.hub.publish("recv", envelope(1));
  t.hub.publish("recv", envelope(2));
  await t.connect();
  t.hub.publish("recv", envelope(3));
  await settle();
  assert.deepEqual(t.events.map((e) => e.meta?.message_id), ["m1", "m2", "m3"]);
  assert.doesNotMatch(t.events[0].content, /<\/?channel/i);
  assert.deepEqual(t.events[0].meta, {
    from: "frontend",
    to: "backend",
    message_id: "m1",
    sent_at: "2026-11-29T12:00:00.000Z",
  });
  await t.close();
});

test("mcpServer does not push its own sends into the session", async () => {
  const t = await setup();
  await t.connect();
  t.hub.publish("send", envelope(1));
  await settle();
  assert.equal(t.events.length, 0);
  await t.close();
});

test("send_message delivers and reports the message id", async () => {
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

test("send_message answers isError for an unknown, missing or unreachable peer", async () => {
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

test("send_message queues for an unreachable peer and says so without an error", async () => {
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

test("broadcast_message reports each peer and honours exclude", async () => {
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

test("list_peers shows our address and each peer's live status", async () => {
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
  const hub = new Hub();
  const transport = new HttpTransport({ peers: [], secret: SECRET });
  const messenger = new Messenger({ role: "solo", transport, hub, maxMessageBytes: 1024 });
  const { server, detach } = createMcpServer({
    role: "solo",
    version: "0",
    hub,
    messenger,
    listening: () => ({ url: "http://127.0.0.1:8788" }),
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "test", version: "0" });
  await client.connect(clientSide);
  const { tools } = await client.listTools();
  const text = JSON.stringify(tools);
  assert.doesNotMatch(text, /one of none|: none configured/);
  const send = tools.find((t) => t.name === "send_message")!;
  assert.match(send.description!, /to: the role of a peer \(see list_peers\)/);
  detach();
  messenger.close();
  await client.close();
  await server.close();
});
