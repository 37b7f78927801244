import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { type NodeProcess, randomSecret, resultText } from "../support/harness.ts";
import { NatsServer, natsSkip, poll, spawnBrokerNode } from "../support/nats.ts";
import { reportsIn } from "../support/delivery_peers.ts";

const skip = natsSkip();
let server: NatsServer | undefined;
let nodes: NodeProcess[] = [];
const secret = randomSecret();

before(async () => {
  if (skip) return;
  server = await NatsServer.start();
  nodes = await Promise.all(
    ["alice", "bob", "carol"].map((r) => spawnBrokerNode(r, { nats: server!.url, secret })),
  );
});

after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await server?.stop();
});

const node = (role: string) => nodes.find((n) => n.role === role)!;

test("broker mode lists the online members without PEERS", { skip }, async () => {
  const text = await poll(async () => {
    const t = resultText(await node("alice").session.call("list_peers"));
    return /bob .*online \(/.test(t) && /carol .*online \(/.test(t) ? t : undefined;
  }, "alice to see bob and carol online");
  assert.match(text, /on NATS .* as talkie\.alice/);
});

test("broker mode delivers a direct message through the receiver's handler", { skip }, async () => {
  const before = node("bob").session.events.length;
  const r = await node("alice").session.call("send_message", { to: "bob", message: "hi bob" });
  assert.match(resultText(r), /^Delivered to "bob" \(nats:talkie\.bob\)/);
  const [event] = await node("bob").session.waitForEvents(1, { from: before });
  assert.equal(event.content, "hi bob");
  assert.equal(event.meta?.from, "alice");
});

test("broker mode carries read receipts: the sender hears that bob read it", { skip }, async () => {
  const before = node("alice").session.events.length;
  const r = await node("alice").session.call("send_message", { to: "bob", message: "read me" });
  const id = /message_id (\S+)/.exec(resultText(r))![1];
  await poll(async () => {
    const text = resultText(await node("bob").session.call("read_messages", { from: "alice" }));
    return text.includes("read me") ? text : undefined;
  }, "bob to read alice's message");
  const reports = await poll(() => {
    const found = reportsIn(node("alice").session.events.slice(before))
      .filter((x) => x.outcome === "read" && x.message_id === id);
    return Promise.resolve(found.length ? found : undefined);
  }, "alice's read report");
  assert.equal(reports[0].peer, "bob");
});

test("broker mode broadcasts to every current member", { skip }, async () => {
  const counts = nodes.map((n) => n.session.events.length);
  const r = await node("carol").session.call("broadcast_message", { message: "standup" });
  assert.match(resultText(r), /Delivered to all 2 peers/);
  for (const role of ["alice", "bob"]) {
    const n = node(role);
    const [e] = await n.session.waitForEvents(1, { from: counts[nodes.indexOf(n)] });
    assert.equal(e.content, "standup");
    assert.equal(e.meta?.from, "carol");
  }
  assert.equal(node("carol").session.events.length, counts[2], "no echo to the sender");
});

test(
  "a second session claiming a live role is told so and receives nothing",
  { skip },
  async () => {
    const twin = await spawnBrokerNode("bob", { nats: server!.url, secret, join: false });
    try {
      await twin.waitForStderr(/role "bob" is already live/);
      const peers = resultText(await twin.session.call("list_peers"));
      assert.match(peers, /role "bob" is already live in this mesh/);
      const sent = await twin.session.call("send_message", { to: "alice", message: "x" });
      assert.equal(sent.isError, true);
      assert.match(resultText(sent), /Cannot send: role "bob" is already live/);
      const before = node("bob").session.events.length;
      await node("alice").session.call("send_message", { to: "bob", message: "only one bob" });
      await node("bob").session.waitForEvents(1, { from: before });
      assert.equal(twin.session.events.length, 0);
    } finally {
      await twin.stop();
    }
  },
);

test("an unknown role is refused with the members online", { skip }, async () => {
  const r = await node("alice").session.call("send_message", { to: "dave", message: "x" });
  assert.equal(r.isError, true);
  assert.match(
    resultText(r),
    /No session "dave" is online in mesh "talkie"; online now: "bob", "carol"/,
  );
});

test("a stopped member leaves the list at once", { skip }, async () => {
  await node("carol").stop();
  await poll(
    async () => {
      const t = resultText(await node("alice").session.call("list_peers"));
      return /carol/.test(t) ? undefined : t;
    },
    "carol to leave alice's list",
    5_000,
  );
});

test("the HTTP endpoints keep working in broker mode", { skip }, async () => {
  const bob = node("bob");
  const health = await (await fetch(`${bob.url}/health`)).json();
  assert.equal(health.role, "bob");
  const before = bob.session.events.length;
  const r = await fetch(`${bob.url}/message`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-intercom-secret": secret },
    body: JSON.stringify({ from: "ci", message: "build is green" }),
  });
  assert.equal(r.status, 200);
  await r.body?.cancel();
  const [e] = await bob.session.waitForEvents(1, { from: before });
  assert.equal(e.content, "build is green");
});
