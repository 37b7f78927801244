import assert from "node:assert/strict";
import { test } from "node:test";
import { Buffer } from "node:buffer";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import {
  formatOperatorPublicKey,
  parseOperatorPublicKey,
  signedBytes,
  signOperatorRequest,
  verifyOperatorRequest,
} from "./operator_signature.ts";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const T = 1_800_000_000;
type Req = {
  method: string;
  path: string;
  body: string;
  target: { role: string; mesh?: string };
};
const request: Req = {
  method: "POST",
  path: "/operator/verdict",
  body: '{"request_id":"abcde"}',
  target: { role: "alpha" },
};

function signed(overrides: Partial<Req> = {}, timestamp = T) {
  const headers = new Headers(
    signOperatorRequest(privateKey, { ...request, id: "op_1", timestamp }),
  );
  return { ...request, ...overrides, headers };
}

test("signedBytes binds domain, method, path, target node, id, timestamp and body", () => {
  assert.equal(
    signedBytes({ method: "post", path: "/p", body: "b", target: { role: "alpha" } }, "i", 7)
      .toString(),
    "talkie-operator-v2\nPOST\n/p\nalpha\n\ni\n7\nb",
  );
  const meshed = { method: "POST", path: "/p", body: "b", target: { role: "a", mesh: "m" } };
  assert.equal(
    signedBytes(meshed, "i", 7).toString(),
    "talkie-operator-v2\nPOST\n/p\na\nm\ni\n7\nb",
  );
  for (const target of [{ role: "" }, { role: "a\nb" }, { role: "a", mesh: "m\n" }]) {
    assert.throws(() => signedBytes({ ...meshed, target }, "i", 7), TypeError);
  }
});

test("parseOperatorPublicKey refuses keys of small order, with which a forgery verifies", () => {
  const identity = Buffer.alloc(32);
  identity[0] = 1;
  const forged = Buffer.concat([identity, Buffer.alloc(32)]).toString("base64");
  const key = createPublicKey({
    key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), identity]),
    format: "der",
    type: "spki",
  });
  const headers = new Headers({
    "operator-id": "op_x",
    "operator-timestamp": String(T),
    "operator-signature": `ed25519,${forged}`,
  });
  // The reason the key is refused: with it, an all-zero signature passes.
  assert.equal(verifyOperatorRequest(key, { ...request, headers }, T).ok, true);
  for (
    const raw of [
      identity,
      Buffer.alloc(32),
      Buffer.from("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "hex"),
    ]
  ) {
    assert.throws(
      () => parseOperatorPublicKey(`ed25519:${raw.toString("base64")}`),
      /small order/,
    );
  }
});

test("an operator public key round-trips through its ed25519: text", () => {
  const text = formatOperatorPublicKey(publicKey);
  assert.match(text, /^ed25519:[A-Za-z0-9+/]{43}=$/);
  assert.equal(formatOperatorPublicKey(parseOperatorPublicKey(text)), text);
});

test("parseOperatorPublicKey refuses other prefixes and lengths", () => {
  assert.throws(() => parseOperatorPublicKey("rsa:AAAA"), /must start with "ed25519:"/);
  assert.throws(() => parseOperatorPublicKey("ed25519:AAAA"), /32-byte/);
  assert.throws(() => parseOperatorPublicKey("ed25519:not base64!"), /32-byte/);
});

test("verifyOperatorRequest accepts a fresh signature by the key", () => {
  assert.deepEqual(verifyOperatorRequest(publicKey, signed(), T + 10), {
    ok: true,
    id: "op_1",
    timestamp: T,
  });
});

test("verifyOperatorRequest refuses another body, path, method, key or a stale time", () => {
  const other = generateKeyPairSync("ed25519").publicKey;
  for (
    const [what, req, key, now] of [
      ["body", signed({ body: '{"request_id":"xxxxx"}' }), publicKey, T],
      ["path", signed({ path: "/operator/message" }), publicKey, T],
      ["method", signed({ method: "PUT" }), publicKey, T],
      ["key", signed(), other, T],
      ["role", signed({ target: { role: "beta" } }), publicKey, T],
      ["mesh", signed({ target: { role: "alpha", mesh: "m" } }), publicKey, T],
    ] as const
  ) {
    const r = verifyOperatorRequest(key, req, now);
    assert.equal(r.ok, false, what);
  }
  const late = verifyOperatorRequest(publicKey, signed(), T + 301);
  assert.deepEqual(late, {
    ok: false,
    reason: "timestamp is more than 5 minutes from this node's clock",
  });
  const none = verifyOperatorRequest(publicKey, { ...request, headers: new Headers() }, T);
  assert.deepEqual(none, { ok: false, reason: "missing operator-signature header" });
});
