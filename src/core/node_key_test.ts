import assert from "node:assert/strict";
import { test } from "node:test";
import {
  checkKeyCard,
  decodeNodeKeys,
  encodeNodeKeys,
  fingerprintOf,
  generateNodeKeys,
  isFingerprint,
  keyCard,
  nodeClaimOf,
  signNode,
  verifyNode,
} from "./node_key.ts";
import { splitPins } from "./pin_syntax.ts";

const keys = generateNodeKeys();
const body = new TextEncoder().encode('{"from":"alpha","message":"hi"}');

test("generateNodeKeys makes a fingerprint of the Ed25519 key, SHA256: and 43 characters", () => {
  assert.ok(isFingerprint(keys.fingerprint));
  assert.equal(fingerprintOf(keys.publicKey), keys.fingerprint);
  assert.match(keys.boxPublicKey, /^x25519:[A-Za-z0-9+/]{43}=$/);
});

test("encodeNodeKeys and decodeNodeKeys keep the same keys; a wrong file says why", () => {
  const again = decodeNodeKeys(encodeNodeKeys(keys));
  assert.equal(again.fingerprint, keys.fingerprint);
  assert.equal(again.boxPublicKey, keys.boxPublicKey);
  assert.throws(() => decodeNodeKeys("nope"), /is not JSON/);
  assert.throws(() => decodeNodeKeys('{"ed25519":"AAAA"}'), TypeError);
  const swapped = JSON.parse(encodeNodeKeys(keys));
  assert.throws(
    () => decodeNodeKeys(JSON.stringify({ ed25519: swapped.x25519, x25519: swapped.x25519 })),
    /has no ed25519 key/,
  );
});

test("verifyNode accepts its own signature and names the signer; any change fails", () => {
  const headers = signNode(keys, { id: "msg_1", timestamp: 1700000000, body });
  const claim = nodeClaimOf((n) => ({ ...headers, "webhook-timestamp": "1700000000" })[n])!;
  assert.deepEqual(verifyNode(claim, "msg_1", body), { ok: true, fingerprint: keys.fingerprint });
  assert.equal(verifyNode(claim, "msg_2", body).ok, false);
  assert.equal(verifyNode({ ...claim, timestamp: "1700000001" }, "msg_1", body).ok, false);
  const other = generateNodeKeys();
  assert.deepEqual(verifyNode({ ...claim, key: other.publicKey }, "msg_1", body), {
    ok: false,
    reason: "the node signature does not verify",
  });
  assert.match(
    (verifyNode({ ...claim, signature: "v1,abc" }, "msg_1", body) as { reason: string }).reason,
    /must be ed25519/,
  );
  assert.equal(nodeClaimOf(() => null), undefined);
});

test("checkKeyCard binds the encryption key to the role and the signing key", () => {
  const card = keyCard(keys, "alpha");
  assert.deepEqual(checkKeyCard(card, "alpha"), {
    ok: true,
    fingerprint: keys.fingerprint,
    box: keys.boxPublicKey,
  });
  assert.equal(checkKeyCard(card, "bravo").ok, false, "another role");
  const other = generateNodeKeys();
  assert.equal(checkKeyCard({ ...card, x25519: other.boxPublicKey }, "alpha").ok, false);
  assert.equal(checkKeyCard(undefined, "alpha").ok, false);
});

test("splitPins takes #fingerprint off PEERS entries, over HTTP and in a roster", () => {
  const fp = keys.fingerprint;
  assert.deepEqual(splitPins(`alpha=10.0.0.5:8788#${fp},bravo=h`), {
    peers: "alpha=10.0.0.5:8788,bravo=h",
    pins: new Map([["alpha", fp]]),
  });
  assert.deepEqual(splitPins(`alpha#${fp}, bravo`).pins, new Map([["alpha", fp]]));
  assert.throws(() => splitPins("alpha#SHA256:short"), /after "#" comes a node key fingerprint/);
});
