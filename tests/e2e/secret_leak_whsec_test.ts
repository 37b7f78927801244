/**
 * End-to-end: a `whsec_` secret (the Standard Webhooks form) never appears in any output
 * (issue 5, "Secrets and untrusted text"): two nodes talk, a request signed by the
 * `standardwebhooks` library is delivered, and the library verifies what our nodes send.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { after, before, describe, test } from "node:test";
import { Webhook } from "standardwebhooks";
import {
  freePorts,
  jsonRpcProblems,
  NodeProcess,
  randomSecret,
  resultText,
  waitFor,
} from "../support/harness.ts";
import { type Captured, forms, leaks } from "../support/leak_capture.ts";
import { RecordingProxy } from "../support/recording_proxy.ts";

describe("a whsec_ secret (Standard Webhooks form) works end to end and does not leak", () => {
  const tail = randomSecret();
  const raw = `leak-canary-whsec-${tail}`;
  const encoded = Buffer.from(raw, "utf8").toString("base64");
  const whsec = `whsec_${encoded}`;
  const captured: Captured[] = [];
  let x: NodeProcess, y: NodeProcess;
  let proxy: RecordingProxy;

  before(async () => {
    const [px, py] = await freePorts(2);
    proxy = await RecordingProxy.start(py);
    x = NodeProcess.spawn({ role: "x", port: px, secret: whsec, peers: { y: proxy.port } });
    y = NodeProcess.spawn({ role: "y", port: py, secret: whsec, peers: { x: px } });
    await Promise.all([x, y].map((n) => n.waitListening()));
    await Promise.all([x, y].map((n) => n.connect()));
  });
  after(async () => {
    await Promise.all([x, y].map((n) => n?.stop()));
    await proxy?.close();
  });

  test("two whsec_ nodes talk both ways", async () => {
    const sent = await x.session.call("send_message", { message: "hi y" });
    captured.push({ where: "x tool", text: JSON.stringify(sent) });
    assert.equal(sent.isError, undefined, resultText(sent));
    const [event] = await y.session.waitForEvents(1);
    assert.equal(event.content, "hi y");
    const back = await y.session.call("send_message", {
      message: "hi x",
      reply_to: event.meta?.message_id,
    });
    captured.push({ where: "y tool", text: JSON.stringify(back) });
    assert.equal(back.isError, undefined, resultText(back));
    await x.session.waitForEvents(1);
  });

  test("the standardwebhooks library verifies what x sent to y", () => {
    const posts = proxy.requests().filter((r) => r.line.startsWith("POST /message "));
    assert.equal(posts.length, 1, JSON.stringify(proxy.requests().map((r) => r.line)));
    const [post] = posts;
    assert.equal(post.headers["x-intercom-secret"], undefined, "no secret header on the wire");
    const payload = new Webhook(whsec).verify(post.body, post.headers) as Record<string, string>;
    // Between two nodes with keys the text travels sealed; the signature is Standard Webhooks.
    assert.equal(payload.message, undefined);
    assert.equal(typeof payload.sealed, "object");
    assert.equal(post.body.includes("hi y"), false);
    assert.equal(payload.message_id, post.headers["webhook-id"]);
    assert.throws(() =>
      new Webhook(`whsec_${btoa("another key")}`).verify(post.body, post.headers)
    );
  });

  test("a request signed by the standardwebhooks library is delivered; another key is refused", async () => {
    const id = `msg_lib_${randomSecret().slice(0, 12)}`;
    const body = JSON.stringify({ from: "stripe-like", message: "signed by the library" });
    const post = async (secretForLib: string, msgId: string, payload = body) => {
      const date = new Date();
      const signature = new Webhook(secretForLib).sign(msgId, date, payload);
      const r = await fetch(`${x.url}/message`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "webhook-id": msgId,
          "webhook-timestamp": String(Math.floor(date.getTime() / 1000)),
          "webhook-signature": signature,
        },
        body: payload,
      });
      const text = await r.text();
      const headers: string[] = [];
      r.headers.forEach((v, k) => headers.push(`${k}: ${v}`));
      captured.push({
        where: `HTTP library-signed ${msgId}`,
        text: `${headers.join("\n")}\n${text}`,
      });
      return { status: r.status, body: JSON.parse(text) };
    };
    const from = x.session.events.length;
    const good = await post(whsec, id);
    assert.deepEqual(good, { status: 200, body: { ok: true, message_id: id } });
    const [event] = await x.session.waitForEvents(1, { from });
    assert.equal(event.content, "signed by the library");
    assert.equal(event.meta?.message_id, id);
    assert.equal(event.meta?.from, "stripe-like");
    // The same id again is a replay: acknowledged, not delivered twice.
    const again = await post(whsec, id);
    assert.equal(again.body.duplicate, true);
    const wrong = await post(`whsec_${Buffer.from("not the key").toString("base64")}`, `${id}_2`);
    assert.equal(wrong.status, 401);
    assert.match(wrong.body.error, /signature/i);
    // A good message after them is the next event: the replay and the refusal raised none.
    const marker = JSON.stringify({ from: "stripe-like", message: "marker" });
    assert.equal((await post(whsec, `${id}_3`, marker)).status, 200);
    // Only messages count here: a read receipt from an earlier test may come in between.
    const messages = () =>
      x.session.events.slice(from).filter((e) => e.meta?.kind !== "delivery_report");
    await waitFor(() => messages().length >= 2, "the marker at x");
    assert.deepEqual(messages().map((e) => e.content), ["signed by the library", "marker"]);
  });

  test("grep: the whsec_ secret, its base64 and its key bytes are nowhere", async () => {
    const health = await fetch(`${x.url}/health`);
    captured.push({ where: "x /health", text: await health.text() });
    await Promise.all([x, y].map((n) => n.stop()));
    for (const node of [x, y]) {
      captured.push({ where: `${node.role} stdout`, text: node.stdoutLines.join("\n") });
      captured.push({ where: `${node.role} stderr`, text: node.stderr });
      captured.push({ where: `${node.role} events`, text: JSON.stringify(node.session.events) });
      assert.deepEqual(jsonRpcProblems(node.stdoutLines), []);
    }
    const all = [...captured, { where: "wire x to y", text: proxy.text() }];
    assert.deepEqual(
      leaks(all, forms(raw, [whsec, encoded, encoded.replace(/=+$/, ""), tail])),
      [],
    );
  });
});
