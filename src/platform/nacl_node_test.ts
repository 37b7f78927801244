import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
// The library this replaces in the npm bundle, as the NATS client's nkeys load it.
// @ts-types="../../node_modules/tweetnacl/nacl.d.ts"
import tweetnacl from "../../node_modules/tweetnacl/nacl-fast.js";
import nacl from "./nacl_node.ts";

const seeds = [
  new Uint8Array(32),
  new Uint8Array(32).fill(255),
  ...[1, 2, 3].map(() => randomBytes(32)),
]
  .map((s) => new Uint8Array(s));
const messages = [
  new Uint8Array(0),
  new TextEncoder().encode("nonce-1234"),
  new Uint8Array(randomBytes(1000)),
];

test("nacl_node makes tweetnacl's key pairs and signatures, byte for byte", () => {
  for (const seed of seeds) {
    const ours = nacl.sign.keyPair.fromSeed(seed);
    const theirs = tweetnacl.sign.keyPair.fromSeed(seed);
    assert.deepEqual(ours.publicKey, theirs.publicKey);
    assert.deepEqual(ours.secretKey, theirs.secretKey);
    for (const message of messages) {
      const signature = nacl.sign.detached(message, ours.secretKey);
      assert.deepEqual(signature, tweetnacl.sign.detached(message, theirs.secretKey));
      assert.equal(nacl.sign.detached.verify(message, signature, ours.publicKey), true);
    }
  }
});

test("nacl_node's verify says false for a changed message, signature or key, as tweetnacl", () => {
  const { publicKey, secretKey } = nacl.sign.keyPair.fromSeed(seeds[2]);
  const message = messages[1];
  const signature = nacl.sign.detached(message, secretKey);
  const flipped = (bytes: Uint8Array, i: number) => {
    const copy = bytes.slice();
    copy[i] ^= 1;
    return copy;
  };
  const cases: [Uint8Array, Uint8Array, Uint8Array][] = [
    [flipped(message, 0), signature, publicKey],
    [message, flipped(signature, 5), publicKey],
    [message, flipped(signature, 63), publicKey],
    [message, signature, flipped(publicKey, 0)],
    [message, signature, new Uint8Array(32).fill(255)],
  ];
  for (const [m, s, k] of cases) {
    assert.equal(nacl.sign.detached.verify(m, s, k), tweetnacl.sign.detached.verify(m, s, k));
    assert.equal(nacl.sign.detached.verify(m, s, k), false);
  }
});

test("nacl_node refuses wrong sizes and types with tweetnacl's messages", () => {
  assert.throws(() => nacl.sign.keyPair.fromSeed(new Uint8Array(31)), /^Error: bad seed size$/);
  assert.throws(() => nacl.sign.detached(messages[1], new Uint8Array(32)), /bad secret key size/);
  assert.throws(
    () => nacl.sign.detached.verify(messages[1], new Uint8Array(63), new Uint8Array(32)),
    /bad signature size/,
  );
  assert.throws(
    () => nacl.sign.detached.verify(messages[1], new Uint8Array(64), new Uint8Array(31)),
    /bad public key size/,
  );
  assert.throws(
    () => nacl.sign.detached("text" as unknown as Uint8Array, new Uint8Array(64)),
    /^TypeError: unexpected type, use Uint8Array$/,
  );
});

test("nacl_node gives random bytes of the asked length, and refuses xkeys clearly", () => {
  const a = nacl.randomBytes(32);
  assert.ok(a instanceof Uint8Array);
  assert.equal(a.length, 32);
  assert.notDeepEqual(a, nacl.randomBytes(32));
  assert.throws(() => nacl.box(), /^Error: Cannot use an xkey/);
  assert.throws(() => nacl.scalarMult.base(), /^Error: Cannot use an xkey/);
});
