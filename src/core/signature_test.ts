import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Webhook } from "standardwebhooks";
import {
  checkSignatureHeaders,
  requestLine,
  signatureKey,
  signHeaders,
  type VerifyResult,
  verifySignature,
  WEBHOOK_ID,
  WEBHOOK_SIGNATURE,
  WEBHOOK_TIMESTAMP,
} from "./signature.ts";

const SECRET = "a shared secret for tests, long enough";
const WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NOW = 1_700_000_000;
const BODY = '{"from":"tester","message":"hello ✓"}';
const key = signatureKey(SECRET);

const signed = (
  extra: Partial<{ id: string; timestamp: number; body: string }> = {},
): Headers => new Headers(signHeaders(key, { id: "msg_1", timestamp: NOW, body: BODY, ...extra }));

const verify = (headers: Headers, body = BODY, nowSeconds = NOW, k = key): VerifyResult =>
  verifySignature(k, { headers, body }, { nowSeconds });

const reasonOf = (result: VerifyResult): string => {
  assert.equal(result.ok, false);
  return result.ok ? "" : result.reason;
};

test("signatureKey uses a plain secret as its UTF-8 bytes", () => {
  assert.deepEqual(signatureKey("héllo"), new TextEncoder().encode("héllo"));
  assert.equal(signatureKey("").length, 0);
});

test("signatureKey base64-decodes a whsec_ secret", () => {
  assert.deepEqual(
    signatureKey(WHSEC),
    new Uint8Array(Buffer.from("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "base64")),
  );
});

test("signatureKey rejects a whsec_ secret that is not base64, without echoing it", () => {
  for (const rest of ["", "not base64!", "abc", "QUJD=="]) {
    assert.throws(() => signatureKey(`whsec_${rest}`), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.ok(rest === "" || !e.message.includes(rest));
      return true;
    });
  }
});

test("signHeaders returns the three Standard Webhooks headers", () => {
  const headers = signHeaders(key, { id: "msg_1", timestamp: NOW, body: BODY });
  assert.deepEqual(Object.keys(headers), [WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE]);
  assert.equal(headers[WEBHOOK_ID], "msg_1");
  assert.equal(headers[WEBHOOK_TIMESTAMP], String(NOW));
  assert.match(headers[WEBHOOK_SIGNATURE], /^v1,[A-Za-z0-9+/]{43}=$/);
});

test("signHeaders refuses a bad id or timestamp", () => {
  assert.throws(() => signHeaders(key, { id: "", timestamp: NOW, body: "" }), TypeError);
  assert.throws(() => signHeaders(key, { id: "a b", timestamp: NOW, body: "" }), TypeError);
  assert.throws(() => signHeaders(key, { id: "a,b", timestamp: NOW, body: "" }), TypeError);
  assert.throws(() => signHeaders(key, { id: "x", timestamp: 1.5, body: "" }), RangeError);
  assert.throws(() => signHeaders(key, { id: "x", timestamp: -1, body: "" }), RangeError);
});

test("verifySignature accepts a request it signed, as text or bytes", () => {
  assert.deepEqual(verify(signed()), { ok: true, id: "msg_1", timestamp: NOW });
  const bytes = new TextEncoder().encode(BODY);
  const headers = new Headers(signHeaders(key, { id: "msg_2", timestamp: NOW, body: bytes }));
  assert.deepEqual(verifySignature(key, { headers, body: BODY }, { nowSeconds: NOW }), {
    ok: true,
    id: "msg_2",
    timestamp: NOW,
  });
});

test("verifySignature accepts a request signed by the standardwebhooks library with whsec_", () => {
  const signature = new Webhook(WHSEC).sign("msg_lib", new Date(NOW * 1000), BODY);
  const headers = new Headers({
    "Webhook-Id": "msg_lib",
    "Webhook-Timestamp": String(NOW),
    "Webhook-Signature": signature,
  });
  assert.deepEqual(verify(headers, BODY, NOW, signatureKey(WHSEC)), {
    ok: true,
    id: "msg_lib",
    timestamp: NOW,
  });
});

test("verifySignature accepts the library's signature for a plain secret as base64 UTF-8", () => {
  const libSecret = Buffer.from(SECRET, "utf8").toString("base64");
  const signature = new Webhook(libSecret).sign("msg_lib", new Date(NOW * 1000), BODY);
  const headers = new Headers({
    [WEBHOOK_ID]: "msg_lib",
    [WEBHOOK_TIMESTAMP]: String(NOW),
    [WEBHOOK_SIGNATURE]: signature,
  });
  assert.equal(verify(headers).ok, true);
});

test("the standardwebhooks library verifies our signature", () => {
  const libSecret = Buffer.from(SECRET, "utf8").toString("base64");
  const headers = signHeaders(key, {
    id: "msg_ours",
    timestamp: Math.floor(Date.now() / 1000),
    body: BODY,
  });
  assert.deepEqual(new Webhook(libSecret).verify(BODY, headers), JSON.parse(BODY));
});

test("verifySignature refuses a tampered body, id or timestamp", () => {
  const mismatch = "signature does not match: is INTERCOM_SECRET the same on both nodes?";
  assert.equal(reasonOf(verify(signed(), BODY + " ")), mismatch);
  const headers = signed();
  headers.set(WEBHOOK_ID, "msg_2");
  assert.equal(reasonOf(verify(headers)), mismatch);
  const later = signed();
  later.set(WEBHOOK_TIMESTAMP, String(NOW + 1));
  assert.equal(reasonOf(verify(later)), mismatch);
});

test("verifySignature refuses another secret", () => {
  assert.equal(
    reasonOf(verify(signed(), BODY, NOW, signatureKey("another secret"))),
    "signature does not match: is INTERCOM_SECRET the same on both nodes?",
  );
});

test("verifySignature refuses stale and future timestamps and accepts the edges", () => {
  assert.equal(
    reasonOf(verify(signed(), BODY, NOW + 412)),
    "timestamp is 412 s away from this node's clock; the limit is ±300 s: check the clocks",
  );
  assert.equal(
    reasonOf(verify(signed(), BODY, NOW - 301)),
    "timestamp is 301 s away from this node's clock; the limit is ±300 s: check the clocks",
  );
  assert.equal(verify(signed(), BODY, NOW + 300).ok, true);
  assert.equal(verify(signed(), BODY, NOW - 300).ok, true);
  const tight = verifySignature(key, { headers: signed(), body: BODY }, {
    nowSeconds: NOW + 31,
    toleranceSeconds: 30,
  });
  assert.match(reasonOf(tight), /31 s away .* ±30 s/);
});

test("verifySignature accepts when any of several signatures matches", () => {
  const good = signed().get(WEBHOOK_SIGNATURE)!;
  const other = signHeaders(signatureKey("old secret"), {
    id: "msg_1",
    timestamp: NOW,
    body: BODY,
  });
  for (
    const list of [
      `${other[WEBHOOK_SIGNATURE]} ${good}`,
      `${good} ${other[WEBHOOK_SIGNATURE]}`,
      `v1a,c2lnbmF0dXJl  ${good}`,
      `garbage v1,!!! ${good}`,
    ]
  ) {
    const headers = signed();
    headers.set(WEBHOOK_SIGNATURE, list);
    assert.equal(verify(headers).ok, true, list);
  }
});

test("verifySignature refuses malformed headers with a reason and never throws", () => {
  const cases: [Record<string, string | null>, RegExp][] = [
    [{ [WEBHOOK_SIGNATURE]: null }, /^missing webhook-signature header$/],
    [{ [WEBHOOK_SIGNATURE]: "  " }, /^missing webhook-signature header$/],
    [{ [WEBHOOK_ID]: null }, /^missing webhook-id header$/],
    [{ [WEBHOOK_TIMESTAMP]: null }, /^missing webhook-timestamp header$/],
    [{ [WEBHOOK_TIMESTAMP]: "soon" }, /must be whole Unix seconds/],
    [{ [WEBHOOK_TIMESTAMP]: "1.7e9" }, /must be whole Unix seconds/],
    [{ [WEBHOOK_TIMESTAMP]: "-1700000000" }, /must be whole Unix seconds/],
    [{ [WEBHOOK_TIMESTAMP]: "9".repeat(400) }, /must be whole Unix seconds/],
    [{ [WEBHOOK_ID]: "x".repeat(300) }, /webhook-id must be/],
    [{ [WEBHOOK_ID]: "a,b" }, /webhook-id must be/],
    [{ [WEBHOOK_ID]: "é" }, /webhook-id must be/],
    [{ [WEBHOOK_SIGNATURE]: "c2lnbmF0dXJl" }, /has no "v1,<base64>" signature/],
    [{ [WEBHOOK_SIGNATURE]: "v2,c2lnbmF0dXJl" }, /has no "v1,<base64>" signature/],
    [{ [WEBHOOK_SIGNATURE]: "v1,***not-base64***" }, /not "v1," followed by a base64/],
    [{ [WEBHOOK_SIGNATURE]: "v1," }, /not "v1," followed by a base64/],
    [{ [WEBHOOK_SIGNATURE]: "v1,c2lnbmF0dXJl" }, /not "v1," followed by a base64/],
    [{ [WEBHOOK_SIGNATURE]: "v1,a v1,b ".repeat(10) }, /more than 16 signatures/],
  ];
  for (const [changes, expected] of cases) {
    const headers = signed();
    for (const [name, value] of Object.entries(changes)) {
      if (value === null) headers.delete(name);
      else headers.set(name, value);
    }
    let result: VerifyResult | undefined;
    assert.doesNotThrow(() => {
      result = verify(headers);
    });
    assert.match(reasonOf(result!), expected, JSON.stringify(changes));
  }
});

test("verifySignature reasons never contain the secret, the key or the signature", () => {
  const headers = signed();
  const signature = headers.get(WEBHOOK_SIGNATURE)!;
  const keyBase64 = Buffer.from(key).toString("base64");
  for (const result of [verify(headers, "x"), verify(headers, BODY, NOW + 999)]) {
    const reason = reasonOf(result);
    for (const secretish of [SECRET, keyBase64, signature, signature.slice(3)]) {
      assert.ok(!reason.includes(secretish));
    }
  }
});

test("requestLine names method and path; HEAD signs as GET", () => {
  assert.equal(requestLine("get", "/events"), "GET /events");
  assert.equal(requestLine("HEAD", "/health"), "GET /health");
});

test("a signature over one request line does not verify for another", () => {
  const key = signatureKey("line-secret-0123456789");
  const headers = new Headers(
    signHeaders(key, { id: "p1", timestamp: 1_700_000_000, body: requestLine("GET", "/health") }),
  );
  const at = { nowSeconds: 1_700_000_000 };
  assert.equal(verifySignature(key, { headers, body: "GET /health" }, at).ok, true);
  assert.equal(verifySignature(key, { headers, body: "GET /events" }, at).ok, false);
  assert.equal(verifySignature(key, { headers, body: "" }, at).ok, false);
});

test("checkSignatureHeaders refuses a stale timestamp before any body is known", () => {
  const headers = new Headers({
    "webhook-id": "m1",
    "webhook-timestamp": "1700000000",
    "webhook-signature": "v1,AAAA",
  });
  const stale = checkSignatureHeaders(headers, { nowSeconds: 1_700_000_400 });
  assert.equal(stale.ok, false);
  assert.match(!stale.ok ? stale.reason : "", /400 s away .*check the clocks/);
  assert.deepEqual(checkSignatureHeaders(headers, { nowSeconds: 1_700_000_001 }), {
    ok: true,
    id: "m1",
    timestamp: 1_700_000_000,
  });
});

test("verifySignature keeps the timestamp text as signed (leading zeros)", () => {
  const key = signatureKey("zero-secret-0123456789");
  const { "webhook-signature": sig } = signHeaders(key, {
    id: "z",
    timestamp: 1_700_000_000,
    body: "b",
  });
  // Signed text "01700000000" differs from "1700000000": the MAC must use the header as sent.
  const headers = new Headers({
    "webhook-id": "z",
    "webhook-timestamp": "01700000000",
    "webhook-signature": sig,
  });
  assert.equal(
    verifySignature(key, { headers, body: "b" }, { nowSeconds: 1_700_000_000 }).ok,
    false,
  );
});
