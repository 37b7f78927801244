import assert from "node:assert/strict";
import { test } from "node:test";
import { generateKeyPairSync } from "node:crypto";
import {
  formatOperatorPublicKey,
  parseOperatorPublicKey,
  signedBytes,
  signOperatorRequest,
  verifyOperatorRequest,
} from "./operator_signature.ts";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const T = 1_800_000_000;
const request = { method: "POST", path: "/operator/verdict", body: '{"request_id":"abcde"}' };

function signed(overrides: Partial<typeof request> = {}, timestamp = T) {
  const headers = new Headers(
    signOperatorRequest(privateKey, { ...request, id: "op_1", timestamp }),
  );
  return { ...request, ...overrides, headers };
}

test("signedBytes binds domain, method, path, id, timestamp and body", () => {
  assert.equal(
    signedBytes({ method: "post", path: "/p", body: "b" }, "i", 7).toString(),
    "talkie-operator-v1\nPOST\n/p\ni\n7\nb",
  );
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
