/**
 * End-to-end: what a receiver lets into its session. Duplicates are told apart by sender and
 * survive a restart; lone surrogates and odd times never reach the session; REMOTE_HOST (v1)
 * setups deliver; and two sessions answering each other for ever need a human to go on.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FakePeer } from "../support/fake_peer.ts";
import { freePorts, NodeProcess, randomSecret, resultText } from "../support/harness.ts";

const secret = randomSecret();
const post = (node: NodeProcess, body: unknown) =>
  fetch(`${node.url}/message`, {
    method: "POST",
    headers: { "x-intercom-secret": secret, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("a receiver's memory of what its session has", () => {
  const cache = mkdtempSync(join(tmpdir(), "talkie-restart-"));
  let port: number;
  let node: NodeProcess | undefined;
  const start = async () => {
    node = NodeProcess.spawn({
      role: "keeper",
      port,
      secret,
      env: { INTERCOM_STATE_DIR: cache, INTERCOM_RATE_LIMIT: "0" },
    });
    await node.waitListening();
    await node.connect();
    return node;
  };
  before(async () => {
    [port] = await freePorts(1);
  });
  after(async () => {
    await node?.stop();
    rmSync(cache, { recursive: true, force: true });
  });

  test("a retry after a restart is a duplicate; other text is 409; another sender is new", async () => {
    let keeper = await start();
    const build = { from: "ci", message_id: "build-1", message: "build 1 failed" };
    assert.equal((await post(keeper, build)).status, 200);
    await keeper.session.waitForEvents(1);
    // Claude Code's /mcp reconnect restarts the node; the sender never saw the acknowledgement.
    await keeper.stop();
    keeper = await start();
    const again = await post(keeper, build);
    assert.equal(again.status, 200);
    assert.equal((await again.json()).duplicate, true);
    const conflict = await post(keeper, { ...build, message: "build 1 passed" });
    assert.equal(conflict.status, 409);
    assert.match((await conflict.json()).error, /already delivered with another text/);
    assert.equal((await post(keeper, { ...build, from: "nightly" })).status, 200);
    // Events are in order: once the marker is in, nothing else came before it.
    assert.equal((await post(keeper, { from: "ci", message: "marker" })).status, 200);
    const events = await keeper.session.waitForEvents(2);
    assert.deepEqual(events.map((e) => [e.meta?.from, e.content]), [
      ["nightly", "build 1 failed"],
      ["ci", "marker"],
    ]);
  });

  test("lone surrogates become U+FFFD and sent_at is ISO 8601 or refused", async () => {
    const keeper = node!;
    const from = keeper.session.events.length;
    assert.equal((await post(keeper, { from: "ci", message: "half \ud83d emoji" })).status, 200);
    const bad = await post(keeper, { from: "ci", message: "x", sent_at: "1" });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /"sent_at" must be an ISO 8601 time/);
    const http = { from: "ci", message: "dated", sent_at: "Wed, 02 Dec 2026 14:32:17 GMT" };
    assert.equal((await post(keeper, http)).status, 200);
    const events = await keeper.session.waitForEvents(2, { from });
    assert.equal(events[0].content, "half \ufffd emoji");
    assert.equal(events[1].meta?.sent_at, "2026-12-02T14:32:17.000Z");
  });
});

describe("REMOTE_HOST (v1) setups", () => {
  let one: NodeProcess, two: NodeProcess, three: NodeProcess;
  let v2: FakePeer;
  before(async () => {
    v2 = await FakePeer.start("somebody", () => ({ status: 200, body: { ok: true } }), {
      signatures: false,
    });
    const [a, b, c] = await freePorts(3);
    const legacy = (role: string, own: number, remote: string) =>
      NodeProcess.spawn({ role, port: own, secret, env: { REMOTE_HOST: remote } });
    one = legacy("one", a, `127.0.0.1:${b}`);
    two = legacy("two", b, `127.0.0.1:${a}`);
    three = legacy("three", c, `127.0.0.1:${v2.port}`);
    await Promise.all([one, two, three].map((n) => n.waitListening()));
    await Promise.all([one, two, three].map((n) => n.connect()));
  });
  after(async () => {
    await Promise.all([one, two, three].map((n) => n?.stop()));
    await v2?.close();
  });

  test("two 2.1 nodes reach each other with the one-argument send_message of v1", async () => {
    const r = await one.session.call("send_message", { message: "hello over REMOTE_HOST" });
    assert.match(resultText(r), /^Delivered to "remote"/);
    const [got] = await two.session.waitForEvents(1);
    assert.equal(got.meta?.from, "one");
    assert.equal(got.meta?.to, "two");
    const back = await two.session.call("send_message", { message: "and back" });
    assert.match(resultText(back), /^Delivered to "remote"/);
    assert.equal((await one.session.waitForEvents(1))[0].content, "and back");
    const peers = resultText(await one.session.call("list_peers"));
    assert.match(peers, /- remote .* online \(\d+ ms\) as "two"/);
  });

  test("a 2.1 node reaches a v2 node through REMOTE_HOST", async () => {
    const r = await three.session.call("send_message", { message: "hi, v2" });
    assert.match(resultText(r), /^Delivered to "remote"/);
    const body = JSON.parse(v2.posts.at(-1)!.body);
    assert.equal(body.to, undefined);
    assert.equal(body.message, "hi, v2");
  });
});

describe("conversation loops", () => {
  let ping: NodeProcess, pong: NodeProcess;
  before(async () => {
    const [a, b] = await freePorts(2);
    ping = NodeProcess.spawn({ role: "ping", port: a, secret, peers: { pong: b } });
    pong = NodeProcess.spawn({ role: "pong", port: b, secret, peers: { ping: a } });
    await Promise.all([ping.waitListening(), pong.waitListening()]);
    await ping.connect();
    // pong's client can ask its user (MCP elicitation); the user says no.
    await pong.connect(10_000, { elicit: "decline" });
  });
  after(async () => await Promise.all([ping?.stop(), pong?.stop()]));

  test("20 alternating messages stop at a question for the human", async () => {
    for (let i = 0; i < 10; i++) {
      const out = await ping.session.call("send_message", { to: "pong", message: `ping ${i}` });
      assert.match(resultText(out), /^Delivered/, resultText(out));
      await pong.session.waitForEvents(i + 1);
      const back = await pong.session.call("send_message", { to: "ping", message: `pong ${i}` });
      assert.match(resultText(back), /^Delivered/, resultText(back));
      await ping.session.waitForEvents(i + 1);
    }
    // ping's client cannot ask its user: the tool says to ask, and user_approved goes on.
    const held = await ping.session.call("send_message", { to: "pong", message: "ping 10" });
    assert.equal(held.isError, true);
    assert.match(
      resultText(held),
      /Conversation loop: you and "pong" have answered each other 20 times.*Ask the user.*user_approved: true/,
    );
    const approved = await ping.session.call("send_message", {
      to: "pong",
      message: "ping 10",
      user_approved: true,
    });
    assert.match(resultText(approved), /^Delivered/);
    // pong counted the same run; its user is asked directly and says no, and user_approved
    // from the model changes nothing when a human can be asked.
    await pong.session.waitForEvents(11);
    const asked = await pong.session.call("send_message", {
      to: "ping",
      message: "pong again",
      user_approved: true,
    });
    assert.equal(asked.isError, true);
    assert.match(resultText(asked), /The user did not let this conversation go on/);
    assert.equal(pong.session.elicitations.length, 1);
    assert.match(pong.session.elicitations[0].message, /go on talking with "ping"\?/);
  });
});

test("a role over 64 characters stops the node at start with one line", async () => {
  const long = NodeProcess.spawn({ role: "r".repeat(65), port: 1, secret });
  const exit = await long.waitExit(15_000);
  assert.equal(exit.code, 2);
  assert.match(long.stderr, /MY_ROLE "r+" is 65 characters long, over the limit of 64/);
});
