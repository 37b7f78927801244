/**
 * End-to-end: a node serving HTTPS (INTERCOM_TLS_CERT/KEY) with a certificate from a private CA,
 * reached by a peer that trusts that CA (INTERCOM_CA), with signatures required on both.
 */

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { freePorts, NodeProcess, randomSecret, resultText } from "../support/harness.ts";
import { createTlsFixture, type TlsFixture } from "../support/tls.ts";

describe("HTTPS between nodes", () => {
  let tls: TlsFixture;
  let server: NodeProcess, client: NodeProcess, untrusting: NodeProcess;
  before(async () => {
    tls = await createTlsFixture();
    const [s, c, u] = await freePorts(3);
    const secret = randomSecret();
    const strict = { INTERCOM_REQUIRE_SIGNATURE: "1" };
    server = NodeProcess.spawn({
      role: "server",
      port: s,
      secret,
      peers: { client: c },
      env: { ...strict, INTERCOM_TLS_CERT: tls.certPath, INTERCOM_TLS_KEY: tls.keyPath },
    });
    client = NodeProcess.spawn({
      role: "client",
      port: c,
      secret,
      peers: { server: `https://localhost:${s}` },
      env: { ...strict, INTERCOM_CA: tls.caPath },
    });
    untrusting = NodeProcess.spawn({
      role: "untrusting",
      port: u,
      secret,
      peers: { server: `https://localhost:${s}` },
    });
    await Promise.all([server, client, untrusting].map((n) => n.waitListening()));
    await Promise.all([server.connect(), client.connect(), untrusting.connect()]);
  });
  after(async () => {
    await Promise.all([server, client, untrusting].map((n) => n?.stop()));
    await tls?.cleanup();
  });

  test("a node with INTERCOM_TLS_CERT/KEY listens on https", () => {
    assert.match(server.stderr, /listening on https:\/\//);
  });

  test("a peer trusting INTERCOM_CA delivers over https with a signature", async () => {
    const result = await client.session.call("send_message", {
      to: "server",
      message: "over tls",
    });
    assert.match(resultText(result), /Delivered to "server"/);
    const [event] = await server.session.waitForEvents(1);
    assert.equal(event.content, "over tls");
  });

  test("a peer without the CA refuses to send and says to set INTERCOM_CA", async () => {
    const result = await untrusting.session.call("send_message", {
      to: "server",
      message: "no trust",
    });
    assert.equal(result.isError, true);
    assert.match(resultText(result), /TLS certificate not trusted: set INTERCOM_CA/);
  });
});
