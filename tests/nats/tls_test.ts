import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { NodeProcess, randomSecret, resultText } from "../support/harness.ts";
import { NatsServer, natsSkip, poll, spawnBrokerNode } from "../support/nats.ts";
import { createNatsTls, type NatsTlsFixture, tlsBlock } from "../support/nats_tls.ts";

const skip = natsSkip();
const secret = randomSecret();
const nodes: NodeProcess[] = [];
const servers: NatsServer[] = [];
let certs: NatsTlsFixture;
/** `tls://localhost:<port>` of a server requiring TLS, one for mutual TLS, one with a certificate for another name. */
let tlsUrl: string;
let mtlsUrl: string;
let otherNameUrl: string;

before(async () => {
  if (skip) return;
  certs = await createNatsTls();
  const start = async (block: string) => {
    const s = await NatsServer.start({ config: block });
    servers.push(s);
    return `tls://localhost:${s.port}`;
  };
  tlsUrl = await start(tlsBlock({ cert: certs.certPath, key: certs.keyPath }));
  mtlsUrl = await start(
    tlsBlock({ cert: certs.certPath, key: certs.keyPath, verifyCa: certs.caPath }),
  );
  otherNameUrl = await start(tlsBlock(certs.otherName));
});

after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await Promise.all(servers.map((s) => s.stop()));
  await certs?.cleanup();
});

async function node(role: string, nats: string, env: Record<string, string>, join = true) {
  const n = await spawnBrokerNode(role, { nats, secret, env, join });
  nodes.push(n);
  return n;
}

async function exchange(a: NodeProcess, b: NodeProcess, text: string): Promise<void> {
  await poll(async () => {
    const t = resultText(await a.session.call("list_peers"));
    return new RegExp(`${b.role} .*online`).test(t) ? t : undefined;
  }, `${a.role} to see ${b.role}`);
  const r = await a.session.call("send_message", { to: b.role, message: text });
  assert.match(resultText(r), /Delivered/);
  const [event] = await b.session.waitForEvents(1);
  assert.equal(event.content, text);
}

test("tls:// with INTERCOM_CA joins a mesh on a server whose certificate a private CA signed", {
  skip,
}, async () => {
  const env = { INTERCOM_CA: certs.caPath };
  await exchange(await node("tls-a", tlsUrl, env), await node("tls-b", tlsUrl, env), "over TLS");
});

test("tls:// without the CA says the server's certificate is not trusted and to set INTERCOM_CA", {
  skip,
}, async () => {
  const n = await node("tls-noca", tlsUrl, {}, false);
  await n.waitForStderr(/certificate is not trusted .*set INTERCOM_CA/);
  const r = await n.session.call("send_message", { to: "tls-a", message: "hi" });
  assert.equal(r.isError, true);
  assert.match(resultText(r), /not trusted/);
});

test("a server certificate for another host name is named as the problem", { skip }, async () => {
  const n = await node("tls-name", otherNameUrl, { INTERCOM_CA: certs.caPath }, false);
  await n.waitForStderr(/certificate is not for this host name .*nats\.test/);
});

test(
  "mutual TLS: a client certificate the server's CA signed joins and delivers",
  { skip },
  async () => {
    const env = {
      INTERCOM_CA: certs.caPath,
      INTERCOM_NATS_CERT: certs.client.cert,
      INTERCOM_NATS_KEY: certs.client.key,
    };
    await exchange(
      await node("mtls-a", mtlsUrl, env),
      await node("mtls-b", mtlsUrl, env),
      "mutual",
    );
  },
);

test(
  "mutual TLS: no client certificate, or one from another CA, is named as the problem",
  { skip },
  async () => {
    const none = await node("mtls-none", mtlsUrl, { INTERCOM_CA: certs.caPath }, false);
    await none.waitForStderr(
      /requires a client certificate .*set INTERCOM_NATS_CERT and INTERCOM_NATS_KEY/,
    );
    const stranger = await node("mtls-stranger", mtlsUrl, {
      INTERCOM_CA: certs.caPath,
      INTERCOM_NATS_CERT: certs.stranger.cert,
      INTERCOM_NATS_KEY: certs.stranger.key,
    }, false);
    await stranger.waitForStderr(
      /refused the client certificate INTERCOM_NATS_CERT ".*stranger\.pem"/,
    );
  },
);

test(
  "a client key that is not the certificate's stops the node at start, naming both",
  { skip },
  async () => {
    const n = NodeProcess.spawn({
      role: "mtls-mismatch",
      port: 0,
      secret,
      env: {
        INTERCOM_NATS_URL: mtlsUrl,
        INTERCOM_CA: certs.caPath,
        INTERCOM_NATS_CERT: certs.client.cert,
        INTERCOM_NATS_KEY: certs.stranger.key,
      },
    });
    nodes.push(n);
    const exit = await n.waitExit(20_000);
    assert.notEqual(exit.code, 0);
    assert.match(
      n.stderr,
      /INTERCOM_NATS_KEY ".*stranger\.key" is not the private key of INTERCOM_NATS_CERT/,
    );
  },
);
