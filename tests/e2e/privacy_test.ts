/**
 * End-to-end: private text. Two nodes reach each other only through recording relays (what an
 * ngrok-style tunnel, a corporate proxy or a plain-HTTP LAN is); the relays see every byte, and
 * never the text of a message, its reply_to, a read receipt or a status line. The sessions get
 * everything as written.
 */

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { freePorts, NodeProcess, randomSecret, resultText } from "../support/harness.ts";
import { RecordingProxy } from "../support/recording_proxy.ts";
import { signatureKey, signHeaders } from "../../src/core/signature.ts";

const secret = randomSecret();
const SAID = "the launch code is tangerine-42";
const ANSWER = "understood, rotating the tangerine keys";
const STATUS = "drafting the quarterly tangerine memo";

describe("text between two nodes through a relay", () => {
  let alpha: NodeProcess;
  let bravo: NodeProcess;
  let toBravo: RecordingProxy;
  let toAlpha: RecordingProxy;

  before(async () => {
    const [a, b] = await freePorts(2);
    toBravo = await RecordingProxy.start(b);
    toAlpha = await RecordingProxy.start(a);
    alpha = NodeProcess.spawn({ role: "alpha", port: a, secret, peers: { bravo: toBravo.port } });
    bravo = NodeProcess.spawn({ role: "bravo", port: b, secret, peers: { alpha: toAlpha.port } });
    await Promise.all([alpha.waitListening(), bravo.waitListening()]);
    await Promise.all([alpha.connect(), bravo.connect()]);
  });
  after(async () => {
    await Promise.all([alpha.stop(), bravo.stop()]);
    await Promise.all([toBravo.close(), toAlpha.close()]);
  });

  test("a message, its answer, a read receipt and a status cross sealed", async () => {
    const sent = await alpha.session.call("send_message", { to: "bravo", message: SAID });
    const sentText = resultText(sent);
    assert.match(sentText, /^Delivered/);
    assert.doesNotMatch(sentText, /unencrypted/);
    const [got] = await bravo.session.waitForEvents(1);
    assert.equal(got.content, SAID);
    assert.equal(got.meta?.sender_kind, "node");
    const answer = await bravo.session.call("send_message", {
      to: "alpha",
      message: ANSWER,
      reply_to: got.meta!.message_id,
    });
    assert.match(resultText(answer), /^Delivered/);
    // The answer (reply_to marks alpha's message read): the read receipt crosses the relay too.
    const events = await alpha.session.waitForEvents(2);
    const back = events.find((e) => e.meta?.from === "bravo")!;
    assert.deepEqual([back.content, back.meta?.reply_to], [ANSWER, got.meta!.message_id]);
    assert.ok(events.some((e) => /was read/.test(e.content)), JSON.stringify(events));

    // bravo's status reaches alpha's list_peers through the relay.
    await bravo.session.call("set_status", { text: STATUS });
    assert.match(resultText(await alpha.session.call("list_peers")), new RegExp(STATUS));

    const seen = toBravo.text() + toAlpha.text();
    assert.ok(toBravo.requests().some((r) => r.line.startsWith("POST /message")));
    assert.ok(toAlpha.requests().some((r) => r.line.startsWith("POST /receipt")));
    for (const text of [SAID, ANSWER, STATUS, "tangerine"]) {
      assert.equal(seen.includes(text), false, `the relay saw "${text}"`);
    }
    // What it saw of a message: the routing facts, and a sealed text.
    const post = toBravo.requests().find((r) => r.line.startsWith("POST /message"))!;
    const body = JSON.parse(post.body);
    assert.deepEqual(Object.keys(body).sort(), ["from", "message_id", "sealed", "sent_at", "to"]);
  });

  test("a sealed text altered on the way is refused, and nothing reaches the session", async () => {
    const post = toBravo.requests().find((r) => r.line.startsWith("POST /message"))!;
    const body = JSON.parse(post.body);
    // Moved to another envelope (a new id): it no longer opens.
    const moved = { ...body, message_id: "msg_moved" };
    const r = await fetch(`${bravo.url}/message`, {
      method: "POST",
      headers: { "x-intercom-secret": secret, "content-type": "application/json" },
      body: JSON.stringify({ ...moved, from: "ci" }),
    });
    assert.equal(r.status, 400);
    assert.match((await r.json()).error, /Cannot open the sealed message/);
    assert.equal(bravo.session.events.length, 1);
  });

  test("a sealed message seen on the way and sent again is a duplicate that holds nobody back", async () => {
    // Its text proves alpha (bravo checks no node signature again), so a copy under a fresh
    // webhook signature (anyone with the secret can make one) is answered as a duplicate, and
    // thirty of them take nothing from alpha's limit at bravo.
    const post = toBravo.requests().find((r) => r.line.startsWith("POST /message"))!;
    for (let i = 0; i < 30; i++) {
      const id = `msg_copy${i}`;
      const timestamp = Math.floor(Date.now() / 1000);
      const r = await fetch(`${bravo.url}/message`, {
        method: "POST",
        headers: {
          ...signHeaders(signatureKey(secret), { id, timestamp, body: post.body }),
          "talkie-node-key": post.headers["talkie-node-key"],
          "talkie-node-signature": "ed25519," + "A".repeat(86) + "==",
          "content-type": "application/json",
        },
        body: post.body,
      });
      assert.deepEqual([r.status, (await r.json()).duplicate], [200, true]);
    }
    const next = await alpha.session.call("send_message", { to: "bravo", message: "still here" });
    assert.match(resultText(next), /^Delivered/);
    const events = await bravo.session.waitForEvents(2);
    assert.deepEqual(events.map((e) => e.content), [SAID, "still here"]);
  });
});
