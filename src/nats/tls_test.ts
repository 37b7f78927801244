import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../core/env.ts";
import { describeTlsFailure, parseNatsTls, tlsClientOptions } from "./tls.ts";

const noFile = (p: string): string => {
  throw Object.assign(new Error(`ENOENT ${p}`), { code: "ENOENT" });
};

test("parseNatsTls is undefined without INTERCOM_CA or a client certificate", () => {
  assert.equal(parseNatsTls({}, noFile), undefined);
});

test("parseNatsTls wants INTERCOM_NATS_CERT and INTERCOM_NATS_KEY together and names a bad file", () => {
  assert.throws(
    () => parseNatsTls({ INTERCOM_NATS_CERT: "/c.pem" }, noFile),
    /Set both INTERCOM_NATS_CERT and INTERCOM_NATS_KEY/,
  );
  assert.throws(
    () => parseNatsTls({ INTERCOM_CA: "/nope.pem" }, noFile),
    (e) =>
      e instanceof ConfigError && /Cannot read INTERCOM_CA "\/nope.pem": ENOENT/.test(e.message),
  );
  assert.throws(
    () => parseNatsTls({ INTERCOM_CA: "/ca.pem" }, () => "not a certificate"),
    /INTERCOM_CA "\/ca.pem" is not a PEM file/,
  );
});

test("tlsClientOptions applies only to tls:// URLs or with a client certificate", () => {
  const tls = { ca: "CA", caFile: "/ca.pem" };
  assert.equal(tlsClientOptions(["nats://h:4222"], tls), undefined);
  assert.deepEqual(tlsClientOptions(["tls://h:4222"], tls), { ca: "CA" });
  assert.deepEqual(tlsClientOptions(["tls://h:4222"], undefined), {});
  assert.deepEqual(
    tlsClientOptions(["nats://h:4222"], { cert: "C", certFile: "/c", key: "K", keyFile: "/k" }),
    { cert: "C", key: "K" },
  );
});

test("describeTlsFailure names the CA, the host name or the client certificate", () => {
  const where = "tls://nats.example:4222";
  const ca = Object.assign(new Error("unable to verify the first certificate"), {
    code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  });
  assert.match(describeTlsFailure(ca, undefined, where)!, /not trusted .*set INTERCOM_CA/);
  assert.match(
    describeTlsFailure(ca, { caFile: "/ca.pem", ca: "" }, where)!,
    /INTERCOM_CA "\/ca.pem" is not the CA that signed it/,
  );
  assert.match(
    describeTlsFailure(ca, { caFile: "/ca.pem", ca: "" }, "nats://h:4222")!,
    /write tls:\/\/ in INTERCOM_NATS_URL/,
  );
  const name = Object.assign(new Error("Hostname/IP does not match certificate's altnames"), {
    code: "ERR_TLS_CERT_ALTNAME_INVALID",
  });
  assert.match(describeTlsFailure(name, undefined, where)!, /not for this host name/);
  const timeout = Object.assign(new Error("timeout"), { name: "TimeoutError" });
  assert.equal(describeTlsFailure(timeout, undefined, where), undefined);
  assert.match(
    describeTlsFailure(timeout, undefined, where, { tls_verify: true })!,
    /requires a client certificate .*set INTERCOM_NATS_CERT and INTERCOM_NATS_KEY/,
  );
  assert.match(
    describeTlsFailure(timeout, { certFile: "/me.pem" }, where, { tls_verify: true })!,
    /refused the client certificate INTERCOM_NATS_CERT "\/me.pem"/,
  );
});
