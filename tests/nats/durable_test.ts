import { after, before, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import assert from "node:assert/strict";
import { randomSecret, resultText } from "../support/harness.ts";
import { natsSkip, poll, useBrokerMesh } from "../support/nats.ts";
import { reportsIn } from "../support/delivery_peers.ts";

const skip = natsSkip();
const secret = randomSecret();
const mesh = useBrokerMesh(skip, { secret, env: { INTERCOM_NATS_DURABLE: "1" } });
const start = (role: string) => mesh.start(role);
let nc: NatsConnection | undefined;
before(async () => {
  if (!skip) nc = await connect({ servers: mesh.url });
});
after(() => nc?.close());

test(
  "durable messages wait for an offline session and arrive once, in order",
  { skip },
  async () => {
    // bob has been part of the mesh before, so the roster knows the role.
    await (await start("bob")).stop();
    const alice = await start("alice");
    // A broadcast is for who is online: bob's stored role does not count.
    const all = await alice.session.call("broadcast_message", { message: "anyone?" });
    assert.match(resultText(all), /No other session is online in mesh "talkie"/);
    const first = await alice.session.call("send_message", { to: "bob", message: "one" });
    assert.match(resultText(first), /Stored for "bob".*waits in the broker/);
    const second = await alice.session.call("send_message", { to: "bob", message: "two" });
    assert.match(resultText(second), /Stored for "bob"/);
    // Both are in the broker, not in alice's memory: alice may even quit and come back.
    await alice.stop();
    const aliceAgain = await start("alice");

    const bob = await start("bob");
    const events = await bob.session.waitForEvents(2, { timeoutMs: 15_000 });
    assert.deepEqual(events.map((e) => e.content), ["one", "two"]);
    assert.deepEqual(events.map((e) => e.meta?.from), ["alice", "alice"]);
    const reports = await poll(
      () => {
        const r = reportsIn(aliceAgain.session.events);
        return Promise.resolve(r.length >= 2 ? r : undefined);
      },
      "two delivery reports at alice",
      15_000,
    );
    assert.deepEqual(reports.map((r) => r.outcome), ["delivered", "delivered"]);
    assert.match(reports[0].content, /to "bob" was delivered/);

    // Nothing comes twice, neither to this session nor to bob's next one. A marker stored
    // while bob is away goes behind anything the broker still holds for him (his consumer
    // reads in order, one at a time), so it is the next session's only event.
    assert.equal(bob.session.events.length, 2);
    await bob.stop();
    const marker = await aliceAgain.session.call("send_message", { to: "bob", message: "three" });
    assert.match(resultText(marker), /Stored for "bob"/);
    const again = await start("bob");
    const [next] = await again.session.waitForEvents(1, { timeoutMs: 15_000 });
    assert.equal(next.content, "three");
    assert.deepEqual(again.session.events.map((e) => e.content), ["three"]);
    assert.equal(bob.session.events.length, 2);
  },
);

test(
  "a stored message's report waits for its offline sender and arrives once when it returns",
  { skip },
  async () => {
    await (await start("west")).stop();
    const scribe = await start("scribe");
    for (const message of ["first", "second"]) {
      const r = await scribe.session.call("send_message", { to: "west", message });
      assert.match(resultText(r), /Stored for "west"/);
    }
    await scribe.stop();
    const west = await start("west");
    const got = await west.session.waitForEvents(2, { timeoutMs: 15_000 });
    assert.deepEqual(got.map((e) => e.content), ["first", "second"]);
    // Both reports wait in the broker before scribe is back.
    await poll(async () => {
      const jsm = await jetstreamManager(nc!);
      const subject = "talkie.inbox.scribe.reports";
      const info = await jsm.streams.info("talkie_inbox", { subjects_filter: subject });
      return info.state.subjects?.[subject] === 2 || undefined;
    }, "two reports stored for scribe");

    const back = await start("scribe");
    const reports = await poll(
      () => {
        const r = reportsIn(back.session.events);
        return Promise.resolve(r.length >= 2 ? r : undefined);
      },
      "the reports at scribe",
      15_000,
    );
    assert.deepEqual(reports.map((r) => [r.peer, r.outcome]), [
      ["west", "delivered"],
      ["west", "delivered"],
    ]);
    // Folded like the HTTP mesh's reports: the two ended together, one event says both.
    assert.equal(back.session.events.length, 1);
    assert.match(back.session.events[0].content, /News of 2 of your messages/);

    // Once: the next session of scribe hears nothing more of them. A direct message and its
    // answer show that session is up and has read what waits for it.
    await back.stop();
    const third = await start("scribe");
    const r = await third.session.call("send_message", { to: "west", message: "third" });
    assert.match(resultText(r), /Delivered/);
    await west.session.waitForEvents(3);
    assert.deepEqual(reportsIn(third.session.events), []);
  },
);
