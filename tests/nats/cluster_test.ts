import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { freePorts, type NodeProcess, randomSecret, resultText } from "../support/harness.ts";
import { NatsServer, natsSkip, poll, spawnBrokerNode, waitJetStream } from "../support/nats.ts";

const skip = natsSkip();
const servers: NatsServer[] = [];
const nodes: NodeProcess[] = [];
const secret = randomSecret();

before(async () => {
  if (skip) return;
  const routes = await freePorts(3);
  const urls = routes.map((p) => `nats://127.0.0.1:${p}`);
  servers.push(
    ...await Promise.all(
      routes.map((port) =>
        NatsServer.start({ cluster: { name: "talkie-test", port, routes: urls } })
      ),
    ),
  );
  await waitJetStream(servers[0].url);
});

after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await Promise.all(servers.map((s) => s.stop(true)));
});

test("a three-server cluster keeps delivering while one server is killed", { skip }, async () => {
  const all = servers.map((s) => s.url).join(",");
  // A TTL longer than a leader election, so presence survives the failover.
  const env = { INTERCOM_NATS_PRESENCE_TTL: "20" };
  for (const role of ["alice", "bob"]) {
    nodes.push(await spawnBrokerNode(role, { nats: all, secret, env }));
  }
  const [alice, bob] = nodes;
  const sent: string[] = [];
  const send = async (text: string) => {
    sent.push(text);
    const r = await alice.session.call("send_message", { to: "bob", message: text });
    assert.match(resultText(r), /^(Delivered|Queued)/, resultText(r));
  };
  await poll(async () => {
    const t = resultText(await alice.session.call("list_peers"));
    return /bob .*online/.test(t) ? t : undefined;
  }, "alice to see bob");
  await send("before");
  await bob.session.waitForEvents(1);

  // Kill the server alice is connected to, so her client has to fail over.
  const port = Number(alice.stderr.match(/joined mesh .* on NATS 127\.0\.0\.1:(\d+)/)![1]);
  const victim = servers.find((s) => s.port === port)!;
  await victim.stop(true);
  // One message while alice's client fails over, the rest once it reconnected.
  await send("after 0");
  await alice.waitForStderr(/NATS reconnected to/, 20_000);
  for (let i = 1; i < 5; i++) await send(`after ${i}`);
  const events = await bob.session.waitForEvents(sent.length, { timeoutMs: 20_000 });
  assert.deepEqual(events.map((e) => e.content), sent);
});
