import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { freePorts, type NodeProcess, randomSecret, resultText } from "../support/harness.ts";
import type { ChannelEvent } from "../support/mcp_session.ts";
import { NatsServer, natsSkip, poll, spawnBrokerNode, waitJetStream } from "../support/nats.ts";

const skip = natsSkip();
const servers: NatsServer[] = [];
const nodes: NodeProcess[] = [];
const secret = randomSecret();
const PER_SENDER = 100;

before(async () => {
  if (skip) return;
  const routes = await freePorts(3);
  const urls = routes.map((p) => `nats://127.0.0.1:${p}`);
  servers.push(
    ...await Promise.all(
      routes.map((port) =>
        NatsServer.start({ cluster: { name: "talkie-failover", port, routes: urls } })
      ),
    ),
  );
  await waitJetStream(servers[0].url);
});

after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await Promise.all(servers.map((s) => s.stop(true)));
});

/** The texts of the messages `from` sent that reached `node`'s session, in arrival order. */
const received = (node: NodeProcess, from: string) =>
  node.session.events.filter((e: ChannelEvent) => e.meta?.from === from).map((e) => e.content);

test(
  "a server killed in the middle of 200 messages: every message arrives once, in order per sender",
  { skip },
  async () => {
    const all = servers.map((s) => s.url).join(",");
    const env = {
      // A TTL longer than a leader election, so presence survives the failover; no limits on
      // how fast a session may send, this is a load.
      INTERCOM_NATS_PRESENCE_TTL: "20",
      INTERCOM_RATE_LIMIT: "0",
      INTERCOM_SEND_LIMIT: "0",
    };
    for (const role of ["alice", "bob"]) {
      nodes.push(await spawnBrokerNode(role, { nats: all, secret, env }));
    }
    const [alice, bob] = nodes;
    for (const [a, b] of [[alice, bob], [bob, alice]]) {
      await poll(async () => {
        const t = resultText(await a.session.call("list_peers"));
        return new RegExp(`${b.role} .*online`).test(t) ? t : undefined;
      }, `${a.role} to see ${b.role}`);
    }
    const port = Number(alice.stderr.match(/joined mesh .* on NATS 127\.0\.0\.1:(\d+)/)![1]);
    const victim = servers.find((s) => s.port === port)!;
    let killed: Promise<void> | undefined;
    const answers: string[] = [];
    const sender = async (from: NodeProcess, to: NodeProcess) => {
      for (let i = 0; i < PER_SENDER; i++) {
        // The server alice uses dies while both are sending: requests are in flight.
        if (from === alice && i === PER_SENDER / 2) killed = victim.stop(true);
        const r = await from.session.call("send_message", {
          to: to.role,
          message: `${from.role} ${i}`,
          // Two sessions writing to each other this fast is a loop to the guard: the user
          // approved it.
          user_approved: true,
        });
        answers.push(resultText(r));
        assert.match(resultText(r), /^(Delivered|Queued)/, resultText(r));
      }
    };
    await Promise.all([sender(alice, bob), sender(bob, alice)]);
    await killed;
    await poll(
      () =>
        Promise.resolve(
          received(bob, "alice").length >= PER_SENDER &&
              received(alice, "bob").length >= PER_SENDER || undefined,
        ),
      "every message at its receiver",
      60_000,
    );
    // A last message each way, sent after everything else, is the last to arrive: nothing
    // queued earlier is still on its way to arrive twice after it.
    for (const [from, to] of [[alice, bob], [bob, alice]]) {
      const r = await from.session.call("send_message", {
        to: to.role,
        message: "last",
        user_approved: true,
      });
      assert.match(resultText(r), /^(Delivered|Queued)/);
      await poll(
        () => Promise.resolve(received(to, from.role).includes("last") || undefined),
        `the last message at ${to.role}`,
        30_000,
      );
    }
    const expected = (role: string) => [
      ...Array.from({ length: PER_SENDER }, (_, i) => `${role} ${i}`),
      "last",
    ];
    assert.deepEqual(received(bob, "alice"), expected("alice"));
    assert.deepEqual(received(alice, "bob"), expected("bob"));
    assert.match(alice.stderr, /NATS reconnected to/);
  },
);
