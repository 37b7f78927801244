import { test } from "node:test";
import assert from "node:assert/strict";
import { NodeProcess } from "../support/harness.ts";
import { NetBed, netnsSkip } from "../support/netbed.ts";
import { NatsServer, natsSkip, poll, waitJetStream } from "../support/nats.ts";
import { bedEnv, randomSecret, resultText, textsFrom, waitOnline } from "./_bed.ts";

const skip = netnsSkip() || natsSkip();
const ROUTE_PORT = 6222;
const CLIENT_PORT = 4222;

test(
  "a NATS cluster across namespaces: one server cut off, messages still arrive once, in order",
  { skip },
  async () => {
    const bed = await NetBed.create();
    const servers: NatsServer[] = [];
    const nodes: NodeProcess[] = [];
    try {
      const serverHosts = [await bed.host(), await bed.host(), await bed.host()];
      const routes = serverHosts.map((h) => `nats://${h.address}:${ROUTE_PORT}`);
      servers.push(
        ...await Promise.all(serverHosts.map((h) =>
          NatsServer.start({
            host: h.address,
            port: CLIENT_PORT,
            netns: h.netns,
            cluster: { name: "talkie-bed", port: ROUTE_PORT, routes },
          })
        )),
      );
      // The test process reaches the servers through the bridge, as the nodes do.
      await waitJetStream(servers[0].url, 30_000);
      const all = servers.map((s) => s.url).join(",");
      const secret = randomSecret();
      for (const role of ["alice", "bob"]) {
        const host = await bed.host();
        const node = NodeProcess.spawn({
          role,
          port: 8788,
          secret,
          netns: host.netns,
          // A silent cut is noticed by missed pings (about 20 s) before the client moves to
          // another server; a presence TTL longer than that keeps bob online in alice's view
          // meanwhile.
          env: bedEnv(host, { INTERCOM_NATS_URL: all, INTERCOM_NATS_PRESENCE_TTL: "60" }),
        });
        nodes.push(node);
        await node.waitForStderr(/joined mesh/, 30_000);
        await node.connect();
      }
      const [alice, bob] = nodes;
      await waitOnline(alice, "bob", 30_000);
      const sent: string[] = [];
      const send = async (message: string) => {
        sent.push(message);
        const r = await alice.session.call("send_message", {
          to: "bob",
          message,
          user_approved: true,
        });
        assert.match(resultText(r), /^(Delivered|Queued)/, resultText(r));
      };
      for (let i = 0; i < 5; i++) await send(`before ${i}`);
      // Cut off the server alice is connected to: no reset, its packets just stop.
      const at = alice.stderr.match(/joined mesh .* on NATS ([\d.]+):\d+/)![1];
      const cut = serverHosts.find((h) => h.address === at)!;
      await bed.cut(cut);
      for (let i = 0; i < 5; i++) await send(`cut ${i}`);
      await poll(
        () => Promise.resolve(textsFrom(bob, "alice").length >= sent.length || undefined),
        "every message at bob",
        120_000,
      );
      assert.deepEqual(textsFrom(bob, "alice"), sent);
      // alice's client did lose its server and carried on through another one.
      assert.match(alice.stderr, /NATS reconnected to/);
      await bed.restore(cut);
      await send("healed");
      await poll(
        () => Promise.resolve(textsFrom(bob, "alice").includes("healed") || undefined),
        "the last message at bob",
        60_000,
      );
      assert.deepEqual(textsFrom(bob, "alice"), sent);
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      await Promise.all(servers.map((s) => s.stop(true)));
      await bed.destroy();
    }
  },
);
