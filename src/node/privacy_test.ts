import assert from "node:assert/strict";
import { test } from "node:test";
import { generateNodeKeys, keyCard } from "../core/node_key.ts";
import type { Envelope } from "../core/envelope.ts";
import { openDatabase } from "../store/open.ts";
import { StoredPins } from "../store/pins.ts";
import { Pins } from "./pins.ts";
import { Privacy } from "./privacy.ts";

const secret = new TextEncoder().encode("mesh secret");
const envelope: Envelope = {
  message_id: "m1",
  from: "alpha",
  to: "bravo",
  message: "the plan",
  sent_at: "2026-12-07T00:00:00.000Z",
  reply_to: "m0",
};

function node() {
  const keys = generateNodeKeys();
  const { db } = openDatabase(":memory:");
  const pins = new Pins({ store: new StoredPins(db), log: () => {} });
  return { keys, pins, privacy: new Privacy(keys, pins, secret) };
}

test("Privacy seals for a peer whose card it learned; the peer opens it", () => {
  const alpha = node(), bravo = node();
  assert.equal(alpha.privacy.learn("bravo", keyCard(bravo.keys, "bravo")), true);
  const wire = alpha.privacy.wire("bravo", envelope);
  assert.ok(wire.ok && wire.note === undefined);
  const body = (wire as { body: Record<string, unknown> }).body;
  assert.equal(JSON.stringify(body).includes("the plan"), false);
  assert.equal(JSON.stringify(body).includes('"m0"'), false, "reply_to is sealed too");
  const opened = bravo.privacy.open(JSON.parse(JSON.stringify(body)));
  assert.deepEqual([opened.message, opened.reply_to], ["the plan", "m0"]);
});

test("Privacy sends plain only to a peer without a key, and says so", () => {
  const alpha = node();
  alpha.privacy.learn("old", undefined);
  const wire = alpha.privacy.wire("old", { ...envelope, to: "old" });
  assert.ok(wire.ok);
  assert.match(wire.note!, /sent unencrypted: "old" has no node key/);
});

test("Privacy never downgrades a pinned peer, nor sends to a key that is not its pin", () => {
  const alpha = node(), bravo = node(), impostor = node();
  alpha.privacy.learn("bravo", keyCard(bravo.keys, "bravo"));
  alpha.privacy.learn("bravo", undefined);
  const down = alpha.privacy.wire("bravo", envelope);
  assert.ok(!down.ok && !down.retryable);
  assert.match(down.reason, /pinned to node key .* shows no node key.*not sent unencrypted/);
  assert.match(down.reason, /pin bravo\)$/);
  assert.equal(alpha.privacy.learn("bravo", keyCard(impostor.keys, "bravo")), false);
  assert.equal(alpha.privacy.wire("bravo", envelope).ok, false);
  assert.equal(alpha.privacy.learn("bravo", keyCard(bravo.keys, "bravo")), true);
  assert.equal(alpha.privacy.wire("bravo", envelope).ok, true);
});

test("Privacy waits for an unknown peer's key, or seals with the mesh secret when told", () => {
  const alpha = node(), bravo = node();
  const wait = alpha.privacy.wire("bravo", envelope);
  assert.ok(!wait.ok && wait.retryable);
  const mesh = alpha.privacy.wire("bravo", envelope, { unknown: "mesh" });
  assert.ok(mesh.ok);
  assert.match(mesh.note!, /mesh secret only/);
  assert.equal(JSON.stringify(mesh.body).includes("the plan"), false);
  assert.equal(bravo.privacy.open(mesh.body).message, "the plan");
});
