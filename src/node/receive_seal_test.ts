import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { test } from "node:test";
import {
  generateNodeKeys,
  keyCard,
  NODE_SIGNATURE,
  nodeClaimOf,
  type NodeKeys,
  signNode,
} from "../core/node_key.ts";
import { openDatabase } from "../store/open.ts";
import { StoredPins } from "../store/pins.ts";
import { memoryIds } from "../../tests/support/ids.ts";
import { RateLimiter } from "../core/rate_limit.ts";
import { Hub } from "./hub.ts";
import { Pins } from "./pins.ts";
import { Privacy } from "./privacy.ts";
import { type Inbound, receive, type ReceiveContext } from "./receive.ts";

const NOW = new Date("2026-12-01T12:00:00Z");
const secret = new TextEncoder().encode("mesh secret");
const FORGED = "ed25519," + Buffer.alloc(64, 7).toString("base64");

function privacyOf(keys: NodeKeys) {
  const pins = new Pins({ store: new StoredPins(openDatabase(":memory:").db), log: () => {} });
  return new Privacy(keys, pins, secret);
}

/** Bob's receive rules, and senders that seal to bob's key. */
function mesh() {
  const alice = generateNodeKeys(), bob = generateNodeKeys(), carol = generateNodeKeys();
  const bobPrivacy = privacyOf(bob);
  const pins = new Pins({ store: new StoredPins(openDatabase(":memory:").db), log: () => {} });
  const ctx: ReceiveContext = {
    role: "bob",
    maxMessageBytes: 1000,
    now: () => NOW,
    hub: new Hub(),
    seen: memoryIds(60_000).seen,
    delivered: memoryIds().delivered,
    deliver: () => Promise.resolve("delivered"),
    pins,
    privacy: bobPrivacy,
  };
  const sealerOf = (keys: NodeKeys) => {
    const p = privacyOf(keys);
    p.learn("bob", keyCard(bob, "bob"));
    return p;
  };
  const senders = { alice: sealerOf(alice), carol: sealerOf(carol) };
  let n = 0;
  /** A message from "alice" sealed by `sealer`, claiming `claim`'s key, signed or forged. */
  const message = (o: {
    sealer?: NodeKeys;
    claim?: NodeKeys;
    forged?: boolean;
    sentAt?: Date;
    extra?: Record<string, unknown>;
  } = {}): Inbound => {
    const id = `msg_${++n}`;
    const sender = o.sealer === carol ? senders.carol : senders.alice;
    const sentAt = (o.sentAt ?? NOW).toISOString();
    const envelope = { message_id: id, from: "alice", to: "bob", message: "hi", sent_at: sentAt };
    const wire = sender.wire("bob", envelope);
    assert.ok(wire.ok);
    const body = JSON.stringify({ ...wire.body, ...o.extra });
    const timestamp = String(NOW.getTime() / 1000);
    const headers: Record<string, string> = {
      ...signNode(o.claim ?? alice, { id, timestamp, body }),
      "webhook-timestamp": timestamp,
    };
    if (o.forged) headers[NODE_SIGNATURE] = FORGED;
    return {
      bytes: new TextEncoder().encode(body),
      verified: { by: "signature", id },
      node: nodeClaimOf((name) => headers[name]),
    };
  };
  return { alice, bob, carol, ctx, bobPrivacy, message };
}

const refusedBadSignature = {
  kind: "refused",
  status: 403,
  reason: "The sender's node signature is not valid: the node signature does not verify",
};

test("a node's sealed text proves its sender once a message it signed showed the seal's key", async () => {
  const { ctx, message } = mesh();
  // Nothing is known of alice's seal yet: her forged signature is refused.
  assert.deepEqual(await receive(message({ forged: true }), ctx), refusedBadSignature);
  assert.equal((await receive(message(), ctx)).kind, "delivered");
  // Her seal's key is now proven hers: the seal alone proves her next messages.
  assert.equal((await receive(message({ forged: true }), ctx)).kind, "delivered");
});

test("a peer's key card proves its sealed texts from the first message", async () => {
  const { alice, ctx, bobPrivacy, message } = mesh();
  assert.equal(bobPrivacy.learn("alice", keyCard(alice, "alice")), true);
  assert.equal((await receive(message({ forged: true }), ctx)).kind, "delivered");
});

test("the node signature is checked when the seal cannot prove the sender", async () => {
  const { carol, ctx, message } = mesh();
  assert.equal((await receive(message(), ctx)).kind, "delivered");
  const cases: [string, Parameters<typeof message>[0]][] = [
    ["a field outside the seal", { extra: { note: "added on the way" } }],
    ["a sent_at older than the signature tolerance", { sentAt: new Date(NOW.getTime() - 6e5) }],
    ["a claim naming another key", { claim: carol }],
    ["another node's seal claiming alice's key", { sealer: carol }],
  ];
  for (const [name, o] of cases) {
    assert.deepEqual(
      await receive(message({ ...o, forged: true }), ctx),
      refusedBadSignature,
      name,
    );
  }
  // Carol signing as herself is carol, not alice: alice's pin refuses her.
  const asCarol = await receive(message({ sealer: carol, claim: carol }), ctx);
  assert.equal(asCarol.kind, "refused");
  assert.match((asCarol as { reason: string }).reason, /pinned|alice/);
});

test("copies of a message taken already do not use up its sender's limit", async () => {
  const { ctx: base, message } = mesh();
  const ctx = { ...base, limiter: new RateLimiter({ perMinute: 1, burst: 2 }) };
  const first = message();
  assert.equal((await receive(first, ctx)).kind, "delivered");
  // The same body under fresh webhook ids, as anyone who saw it could send it.
  for (let i = 0; i < 10; i++) {
    const copy = { ...first, verified: { by: "signature" as const, id: `copy_${i}` } };
    assert.deepEqual(await receive(copy, ctx), { kind: "duplicate", id: "msg_1" });
  }
  assert.equal((await receive(message({ forged: true }), ctx)).kind, "delivered");
});
