import { test } from "node:test";
import assert from "node:assert/strict";
import type { NodeProcess } from "../support/harness.ts";
import { NetBed, netnsSkip } from "../support/netbed.ts";
import { NetProxy } from "../support/net_proxy.ts";
import { poll } from "../support/nats.ts";
import { reportsIn } from "../support/delivery_peers.ts";
import { PORT, randomSecret, resultText, startOn, textsFrom, waitOnline } from "./_bed.ts";

const skip = netnsSkip();

/** Runs `body` on a new bed, then stops its nodes and removes the bed, whatever happened. */
async function onBed(body: (bed: NetBed, nodes: NodeProcess[]) => Promise<void>): Promise<void> {
  const bed = await NetBed.create();
  const nodes: NodeProcess[] = [];
  try {
    await body(bed, nodes);
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await bed.destroy();
  }
}

/** Three hosts with a node each, every node listing the others by address. */
async function threeNodes(bed: NetBed, nodes: NodeProcess[], secret = randomSecret()) {
  const hosts = [await bed.host(), await bed.host(), await bed.host()];
  const roles = ["alice", "bob", "carol"];
  const at = (i: number) => `${hosts[i].address}:${PORT}`;
  const started = await Promise.all(roles.map((role, i) =>
    startOn(hosts[i], role, {
      secret,
      peers: Object.fromEntries(roles.flatMap((r, j) => j === i ? [] : [[r, at(j)]])),
    }, nodes)
  ));
  return { hosts, nodes: started };
}

test(
  "three nodes at three addresses on a bridge talk with no loopback anywhere",
  { skip },
  async () => {
    await onBed(async (bed, all) => {
      const { hosts, nodes: [alice, bob, carol] } = await threeNodes(bed, all);
      for (const [i, n] of [alice, bob, carol].entries()) {
        assert.match(n.stderr, new RegExp(`listening on http://${hosts[i].address}:${PORT}`));
      }
      await waitOnline(alice, "bob");
      await waitOnline(alice, "carol");
      const r = await alice.session.call("send_message", {
        to: "bob",
        message: "across the bridge",
      });
      assert.match(resultText(r), new RegExp(`Delivered to "bob" \\(http://${hosts[1].address}`));
      const broadcast = await carol.session.call("broadcast_message", { message: "hello all" });
      assert.match(resultText(broadcast), /Delivered to all 2/);
      assert.deepEqual(textsFrom(bob, "alice"), ["across the bridge"]);
      await poll(
        () => Promise.resolve(textsFrom(alice, "carol").length === 1 || undefined),
        "alice",
      );
      assert.deepEqual(textsFrom(bob, "carol"), ["hello all"]);
    });
  },
);

test(
  "a node cut off for 15 s gets its queued messages once, in order, and the reports are honest",
  { skip },
  async () => {
    await onBed(async (bed, all) => {
      const { hosts, nodes: [alice, bob, carol] } = await threeNodes(bed, all);
      await waitOnline(alice, "carol");
      await bed.cut(hosts[2]);
      const sent = ["while away 1", "while away 2", "while away 3"];
      for (const message of sent) {
        const r = await alice.session.call("send_message", { to: "carol", message });
        assert.match(resultText(r), /^Queued/, resultText(r));
      }
      // The rest of the mesh does not wait for carol.
      const b = await alice.session.call("send_message", { to: "bob", message: "still here" });
      assert.match(resultText(b), /^Delivered/);
      assert.deepEqual(reportsIn(alice.session.events), []);
      // The partition lasts 15 s: the scenario, not a timing being measured.
      await new Promise((r) => setTimeout(r, 15_000));
      assert.deepEqual(textsFrom(carol, "alice"), []);
      await bed.restore(hosts[2]);
      const reports = await poll(
        () => {
          const r = reportsIn(alice.session.events);
          return Promise.resolve(r.length >= 3 ? r : undefined);
        },
        "three reports at alice",
        90_000,
      );
      assert.deepEqual(reports.map((r) => [r.peer, r.outcome]), [
        ["carol", "delivered"],
        ["carol", "delivered"],
        ["carol", "delivered"],
      ]);
      const after = await alice.session.call("send_message", { to: "carol", message: "back" });
      assert.match(resultText(after), /^Delivered/);
      assert.deepEqual(textsFrom(carol, "alice"), [...sent, "back"]);
      assert.deepEqual(textsFrom(bob, "alice"), ["still here"]);
    });
  },
);

test(
  "a 150 ms link: messages are delivered and probes say online, never unreachable",
  { skip },
  async () => {
    await onBed(async (bed, nodes) => {
      const secret = randomSecret();
      const [ha, hb] = [await bed.host(), await bed.host()];
      const slow = await NetProxy.start({
        host: bed.gateway,
        target: { host: hb.address, port: PORT },
        latencyMs: 150,
      });
      try {
        const alice = await startOn(ha, "alice", { secret, peers: { bob: slow.address } }, nodes);
        const bob = await startOn(
          hb,
          "bob",
          { secret, peers: { alice: `${ha.address}:${PORT}` } },
          nodes,
        );
        const listing = await waitOnline(alice, "bob");
        assert.doesNotMatch(listing, /unreachable|offline/);
        for (let i = 0; i < 5; i++) {
          const r = await alice.session.call("send_message", { to: "bob", message: `slow ${i}` });
          assert.match(resultText(r), /^Delivered/, resultText(r));
          const back = await bob.session.call("send_message", {
            to: "alice",
            message: `back ${i}`,
          });
          assert.match(resultText(back), /^Delivered/, resultText(back));
        }
        assert.doesNotMatch(
          resultText(await alice.session.call("list_peers")),
          /unreachable|offline/,
        );
        assert.deepEqual(textsFrom(bob, "alice"), [0, 1, 2, 3, 4].map((i) => `slow ${i}`));
        assert.ok(slow.accepted > 0, "the link went through the proxy");
      } finally {
        await slow.close();
      }
    });
  },
);

test(
  "a stalled link: the message waits and arrives once when the link moves again",
  { skip },
  async () => {
    await onBed(async (bed, nodes) => {
      const secret = randomSecret();
      const [ha, hb] = [await bed.host(), await bed.host()];
      const link = await NetProxy.start({
        host: bed.gateway,
        target: { host: hb.address, port: PORT },
      });
      try {
        const alice = await startOn(ha, "alice", { secret, peers: { bob: link.address } }, nodes);
        const bob = await startOn(
          hb,
          "bob",
          { secret, peers: { alice: `${ha.address}:${PORT}` } },
          nodes,
        );
        await waitOnline(alice, "bob");
        link.mode = "stall";
        const r = await alice.session.call("send_message", { to: "bob", message: "held up" });
        assert.match(resultText(r), /^Queued/, resultText(r));
        link.mode = "open";
        await poll(
          () => Promise.resolve(reportsIn(alice.session.events).length > 0 || undefined),
          "the report at alice",
          60_000,
        );
        assert.deepEqual(reportsIn(alice.session.events).map((x) => x.outcome), ["delivered"]);
        const next = await alice.session.call("send_message", { to: "bob", message: "next" });
        assert.match(resultText(next), /^Delivered/);
        assert.deepEqual(textsFrom(bob, "alice"), ["held up", "next"]);
      } finally {
        await link.close();
      }
    });
  },
);
