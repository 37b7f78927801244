import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type NodeProcess, randomSecret, resultText } from "../support/harness.ts";
import { NatsServer, natsSkip, poll, spawnBrokerNode } from "../support/nats.ts";
import { makeCreds } from "../support/nats_creds.ts";

const skip = natsSkip();
const secret = randomSecret();
const nodes: NodeProcess[] = [];
const servers: NatsServer[] = [];
const dir = mkdtempSync(join(tmpdir(), "talkie-logins-"));

after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function server(config: string): Promise<NatsServer> {
  const s = await NatsServer.start({ config });
  servers.push(s);
  return s;
}

async function node(role: string, nats: string, env: Record<string, string>, join = true) {
  const n = await spawnBrokerNode(role, { nats, secret, env, join });
  nodes.push(n);
  return n;
}

async function sees(a: NodeProcess, role: string): Promise<string> {
  return await poll(async () => {
    const t = resultText(await a.session.call("list_peers"));
    return new RegExp(`${role} .*online`).test(t) ? t : undefined;
  }, `${a.role} to see ${role}`);
}

async function exchange(a: NodeProcess, b: NodeProcess, text: string): Promise<void> {
  await sees(a, b.role);
  const r = await a.session.call("send_message", { to: b.role, message: text });
  assert.match(resultText(r), /Delivered/);
  const [event] = await b.session.waitForEvents(1);
  assert.equal(event.content, text);
}

test(
  "a token login joins; a wrong token is refused, naming INTERCOM_NATS_TOKEN",
  { skip },
  async () => {
    const s = await server('authorization { token: "s3cret-token" }\n');
    const env = { INTERCOM_NATS_TOKEN: "s3cret-token" };
    await exchange(await node("tok-a", s.url, env), await node("tok-b", s.url, env), "by token");
    const wrong = await node("tok-c", s.url, { INTERCOM_NATS_TOKEN: "guess" }, false);
    await wrong.waitForStderr(/refused the login .*check INTERCOM_NATS_TOKEN/);
  },
);

test("a creds file (operator, account and user JWTs) joins; another account's user is refused", {
  skip,
}, async () => {
  const creds = makeCreds();
  const s = await server(creds.serverConfig);
  const file = join(dir, "user.creds");
  writeFileSync(file, creds.userCreds, { mode: 0o600 });
  const env = { INTERCOM_NATS_CREDS: file };
  await exchange(await node("jwt-a", s.url, env), await node("jwt-b", s.url, env), "by creds");
  const stranger = join(dir, "stranger.creds");
  writeFileSync(stranger, creds.strangerCreds, { mode: 0o600 });
  const refused = await node("jwt-c", s.url, { INTERCOM_NATS_CREDS: stranger }, false);
  await refused.waitForStderr(/refused the login .*the creds file .*stranger\.creds/);
});

test("two accounts on one server are two meshes of the same name that never see each other", {
  skip,
}, async () => {
  const s = await server([
    "accounts {",
    '  RED: { jetstream: enabled, users: [ { user: "red", password: "red-pw" } ] }',
    '  BLUE: { jetstream: enabled, users: [ { user: "blue", password: "blue-pw" } ] }',
    "}",
    "",
  ].join("\n"));
  const red = { INTERCOM_NATS_USER: "red", INTERCOM_NATS_PASSWORD: "red-pw" };
  const blue = { INTERCOM_NATS_USER: "blue", INTERCOM_NATS_PASSWORD: "blue-pw" };
  const redA = await node("alice", s.url, red);
  const redB = await node("bob", s.url, red);
  const blueA = await node("carol", s.url, blue);
  // A role of the same name in the other account is a different session, not a conflict.
  const blueB = await node("bob", s.url, blue);
  await exchange(redA, redB, "red team only");
  await exchange(blueA, blueB, "blue team only");
  const redPeers = await sees(redA, "bob");
  assert.doesNotMatch(redPeers, /carol/);
  const across = await redA.session.call("send_message", { to: "carol", message: "hello blue?" });
  assert.equal(across.isError, true);
  assert.equal(blueA.session.events.length, 0);
  assert.deepEqual(blueB.session.events.map((e) => e.content), ["blue team only"]);
  assert.deepEqual(redB.session.events.map((e) => e.content), ["red team only"]);
});
