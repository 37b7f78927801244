import { after, test } from "node:test";
import assert from "node:assert/strict";
import { Hub } from "../node/hub.ts";
import type { Envelope } from "../core/envelope.ts";
import { signatureKey } from "../core/signature.ts";
import type { SessionDelivery } from "../node/channel.ts";
import { freePorts } from "../../tests/support/harness.ts";
import { NatsServer, natsSkip, poll } from "../../tests/support/nats.ts";
import { testReceiver } from "../../tests/support/receiver.ts";
import type { NatsConfig } from "./config.ts";
import { NatsTransport, type NatsTransportOptions } from "./transport.ts";

const skip = natsSkip();
const servers: NatsServer[] = [];
const transports: NatsTransport[] = [];

after(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(servers.map((s) => s.stop()));
});

const SECRET = "a-long-random-secret-for-tests";

type Extra = Partial<NatsTransportOptions> & {
  mesh?: string;
  durable?: boolean;
  roster?: string[];
  deliver?: (envelope: Envelope) => Promise<SessionDelivery>;
};

function transport(role: string, url: string, extra: Extra = {}): NatsTransport {
  const config: NatsConfig = {
    servers: [url],
    mesh: extra.mesh ?? "lifecycle",
    durable: extra.durable ?? false,
    presenceTtlMs: 3_000,
    roster: extra.roster ?? [],
  };
  const t = new NatsTransport({
    config,
    role,
    secret: SECRET,
    version: "test",
    hub: new Hub(),
    log: () => {},
    retryMs: 100,
    ...extra,
  });
  t.bind(testReceiver({ key: signatureKey(SECRET), role, deliver: extra.deliver }));
  transports.push(t);
  return t;
}

const envelope = (id: string, text: string, to: string): Envelope => ({
  message_id: id,
  from: "alice",
  to,
  message: text,
  sent_at: new Date().toISOString(),
});

test("start() against a down server says why in status() and keeps trying", { skip }, async () => {
  const [port] = await freePorts(1);
  const t = transport("alice", `nats://127.0.0.1:${port}`);
  await t.start();
  assert.match(
    t.status().problem!,
    new RegExp(`cannot connect to NATS at nats://127\\.0\\.0\\.1:${port}`),
  );
  assert.deepEqual(t.peers(), []);
  const out = await t.deliver({ name: "bob", url: "" }, envelope("m1", "hi", "bob"));
  assert.equal(out.ok, false);
  assert.equal(!out.ok && out.kind, "unreachable");
  assert.equal(!out.ok && out.retryable, true);
  // The server comes up later: the transport joins by itself.
  servers.push(await NatsServer.start({ port }));
  await poll(() => Promise.resolve(t.status().problem === undefined || undefined), "alice to join");
  assert.deepEqual(t.status().online, []);
});

test("close() is idempotent and cancels the pending retry", { skip }, async () => {
  const [port] = await freePorts(1);
  const pending: { run: () => void; cancelled: boolean }[] = [];
  const t = transport("alice", `nats://127.0.0.1:${port}`, {
    schedule: (run) => {
      const job = { run, cancelled: false };
      pending.push(job);
      return () => job.cancelled = true;
    },
  });
  await t.start();
  assert.equal(pending.length, 1, "one retry scheduled");
  pending[0].run();
  await poll(() => Promise.resolve(pending.length === 2 || undefined), "the retry to fail again");
  await t.close();
  await t.close();
  assert.deepEqual(pending.map((j) => j.cancelled), [false, true]);
  await t.start();
  assert.equal(pending.length, 2, "a closed transport does not try again");
});

test("status().online follows presence: who joins and who leaves", { skip }, async () => {
  const server = await NatsServer.start();
  servers.push(server);
  const a = transport("alice", server.url, { mesh: "online" });
  const b = transport("bob", server.url, { mesh: "online" });
  await a.start();
  await b.start();
  await poll(() => Promise.resolve(a.status().online?.includes("bob") || undefined), "bob online");
  assert.deepEqual(a.peers().map((p) => p.name), ["bob"]);
  assert.match(a.status().where!, /as online\.alice$/);
  await b.close();
  await poll(() => Promise.resolve(a.status().online?.length === 0 || undefined), "bob gone");
  assert.deepEqual(a.peers(), []);
});

test(
  "durable: the roster is addressable offline, and a new message waits behind stored ones",
  { skip },
  async () => {
    const server = await NatsServer.start();
    servers.push(server);
    const mesh = "roster";
    const alice = transport("alice", server.url, { mesh, durable: true, roster: ["bob"] });
    await alice.start();
    assert.deepEqual(alice.peers().map((p) => p.name), ["bob"]);
    assert.deepEqual(alice.status().online, []);
    const bobPeer = alice.peers()[0];
    const first = await alice.deliver(bobPeer, envelope("m1", "one", "bob"));
    assert.equal(!first.ok && first.kind, "stored");
    assert.match(!first.ok ? first.reason : "", /"bob" is not online.*waits in the broker/);

    // bob starts and takes the stored message, but holds it: the backlog is not empty yet.
    const got: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => release = r);
    const bob = transport("bob", server.url, {
      mesh,
      durable: true,
      deliver: async (e) => {
        got.push(e.message);
        if (e.message === "one") await held;
        return "delivered";
      },
    });
    await bob.start();
    await poll(() => Promise.resolve(got.length === 1 || undefined), "bob to take the first");
    await poll(() => Promise.resolve(alice.status().online?.includes("bob") || undefined), "bob");
    // bob is online, yet the second message is stored behind the first, not sent past it.
    const second = await alice.deliver(bobPeer, envelope("m2", "two", "bob"));
    assert.equal(!second.ok && second.kind, "stored");
    assert.match(!second.ok ? second.reason : "", /1 earlier message\(s\) to "bob" wait/);
    release();
    await poll(() => Promise.resolve(got.length === 2 || undefined), "bob to get the second");
    assert.deepEqual(got, ["one", "two"]);
    // With the backlog empty, messages go direct again.
    await poll(async () => {
      const o = await alice.deliver(bobPeer, envelope(`m${Math.random()}`, "three", "bob"));
      return o.ok || undefined;
    }, "a direct delivery once the backlog is empty");
  },
);

test("NatsTransport binds one receiver, and does not start without one", async () => {
  const options = {
    config: { servers: ["nats://127.0.0.1:1"], mesh: "m", durable: false, presenceTtlMs: 3_000 },
    role: "alice",
    secret: SECRET,
    version: "test",
    hub: new Hub(),
    log: () => {},
  } as NatsTransportOptions;
  const unbound = new NatsTransport(options);
  await assert.rejects(unbound.start(), /starts after bind\(receiver\)/);
  const receiver = testReceiver({ key: signatureKey(SECRET), role: "alice" });
  unbound.bind(receiver);
  assert.throws(() => unbound.bind(receiver), /bound to a receiver already/);
  await unbound.close();
});
