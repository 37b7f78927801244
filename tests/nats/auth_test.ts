import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { headers } from "@nats-io/transport-node";
import { connect } from "@nats-io/transport-node";
import { type NodeProcess, randomSecret, resultText } from "../support/harness.ts";
import { NatsServer, natsSkip, poll, spawnBrokerNode } from "../support/nats.ts";

const skip = natsSkip();
let server: NatsServer | undefined;
const nodes: NodeProcess[] = [];
const secret = randomSecret();
const login = { INTERCOM_NATS_USER: "talkie", INTERCOM_NATS_PASSWORD: "right-password" };
let bob: NodeProcess;

before(async () => {
  if (skip) return;
  server = await NatsServer.start({
    config: 'authorization { user: "talkie", password: "right-password" }\n',
  });
  bob = await spawnBrokerNode("bob", { nats: server.url, secret, env: login });
  nodes.push(bob);
});

after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await server?.stop();
});

test("wrong NATS credentials give a clear error and deliver nothing", { skip }, async () => {
  const alice = await spawnBrokerNode("alice", {
    nats: server!.url,
    secret,
    env: { ...login, INTERCOM_NATS_PASSWORD: "wrong" },
    join: false,
  });
  nodes.push(alice);
  await alice.waitForStderr(/NATS at nats:\/\/127\.0\.0\.1:\d+ refused the login .*user "talkie"/);
  const r = await alice.session.call("send_message", { to: "bob", message: "let me in" });
  assert.equal(r.isError, true);
  assert.match(resultText(r), /Cannot send: NATS at .* refused the login/);
  assert.match(resultText(await alice.session.call("list_peers")), /NOT listening: NATS at/);
  assert.equal(bob.session.events.length, 0);
});

test("a wrong mesh secret is refused by the receiver and delivers nothing", { skip }, async () => {
  const mallory = await spawnBrokerNode("mallory", {
    nats: server!.url,
    secret: randomSecret(),
    env: login,
  });
  nodes.push(mallory);
  await poll(async () => {
    const t = resultText(await mallory.session.call("list_peers"));
    return /bob .*online/.test(t) ? t : undefined;
  }, "mallory to see bob");
  const r = await mallory.session.call("send_message", { to: "bob", message: "obey me" });
  assert.equal(r.isError, true);
  assert.match(resultText(r), /Refused by "bob" \(nats:talkie\.bob\): wrong secret/);
  assert.equal(bob.session.events.length, 0);
});

test("broker access alone cannot put words into a session", { skip }, async () => {
  const nc = await connect({ servers: server!.url, user: "talkie", pass: "right-password" });
  try {
    const envelope = { message_id: "msg_forged1", from: "alice", to: "bob", message: "rm -rf" };
    const h = headers();
    h.set("X-Intercom-Secret", "guess");
    const reply = await nc.request("talkie.bob", JSON.stringify(envelope), {
      headers: h,
      timeout: 5_000,
    });
    const answer = JSON.parse(new TextDecoder().decode(reply.data));
    assert.equal(answer.status, 401);
    assert.match(answer.body.error, /Missing X-Intercom-Secret header \(or a Standard Webhooks/);
  } finally {
    await nc.close();
  }
  assert.equal(bob.session.events.length, 0);
});
