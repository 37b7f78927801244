import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { type KV, Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { waitFor } from "../../tests/support/harness.ts";
import { NatsServer, natsSkip } from "../../tests/support/nats.ts";
import { openBucket, Presence, type PresenceOptions } from "./presence.ts";

const skip = natsSkip();
let server: NatsServer | undefined;
let nc: NatsConnection;
const TTL = 3_000;
const open: Presence[] = [];

before(async () => {
  if (skip) return;
  server = await NatsServer.start();
  nc = await connect({ servers: server.url });
});

after(async () => {
  await Promise.all(open.map((p) => p.close()));
  await nc?.close();
  await server?.stop();
});

let bucketNo = 0;
const bucket = (opts = { ttl: TTL }) => openBucket(new Kvm(nc), `p${++bucketNo}`, opts);

function member(
  kv: KV,
  role: string,
  extra: Partial<PresenceOptions> & { logs?: string[]; conflicts?: string[] } = {},
) {
  const claims: number[] = [];
  const p = new Presence({
    kv,
    ttlMs: TTL,
    value: { role, instance: crypto.randomUUID(), version: "t", started_at: "2026-01-01" },
    onClaimed: () => void claims.push(Date.now()),
    onConflict: (m) => extra.conflicts?.push(m),
    log: (l) => extra.logs?.push(l),
    ...extra,
  });
  open.push(p);
  return { p, claims };
}

test("a live role is claimed once: a second session is told who holds it", { skip }, async () => {
  const kv = await bucket();
  const a = member(kv, "bob");
  await a.p.start();
  assert.equal(a.p.claimed, true);
  assert.equal(a.claims.length, 1);
  const conflicts: string[] = [];
  const twin = member(kv, "bob", { conflicts });
  await twin.p.start();
  assert.equal(twin.p.claimed, false);
  assert.equal(twin.claims.length, 0);
  assert.match(twin.p.conflict!, /role "bob" is already live in this mesh/);
  assert.deepEqual(conflicts, [twin.p.conflict]);

  // The holder leaves: its key goes at once and the twin takes the role on its next heartbeat.
  await a.p.close();
  await waitFor(() => twin.claims.length === 1, "the twin to take the role over", 5_000);
  assert.equal(twin.p.conflict, undefined);
});

test(
  "live() lists other roles by heartbeat and ignores keys that are no role",
  { skip },
  async () => {
    const kv = await bucket();
    const a = member(kv, "alice");
    await a.p.start();
    // Written by hand or by something else on the broker: never a peer, never a subject.
    await kv.put("x.health", JSON.stringify({ instance: "i", role: "x.health" }));
    await kv.put("notjson", "hello");
    const b = member(kv, "bob");
    await b.p.start();
    await waitFor(() => a.p.live().includes("bob"), "alice to see bob");
    assert.deepEqual(a.p.live(), ["bob"]);
    assert.ok(a.p.member("bob"));
    assert.equal(a.p.member("x.health"), undefined);
    await b.p.close();
    await waitFor(() => a.p.live().length === 0, "bob to leave alice's list");
  },
);

test(
  "known() keeps roles of the roster after they leave, but only role names",
  { skip },
  async () => {
    const kv = await bucket();
    const roster = await bucket({ ttl: 0 });
    const a = member(kv, "alice", { roster });
    await a.p.start();
    const b = member(kv, "bob", { roster });
    await b.p.start();
    await b.p.close();
    await roster.put("a.b", "{}");
    await waitFor(() => a.p.known().includes("bob") && a.p.live().length === 0, "bob known");
    assert.deepEqual(a.p.known(), ["bob"]);
  },
);

test("a heartbeat that fails is said, not swallowed", { skip }, async () => {
  const other = await connect({ servers: server!.url });
  const kv = await openBucket(new Kvm(other), "p-fail", { ttl: TTL });
  const logs: string[] = [];
  const a = member(kv, "alice", { logs });
  await a.p.start();
  await other.close();
  await waitFor(() => logs.some((l) => /heartbeat failed/.test(l)), "the failure said", 5_000);
  assert.match(logs[0], /^warning: NATS presence heartbeat failed: /);
});
