/**
 * End-to-end: the HTTP side of one real node as a CI job or script would use it: curl-style
 * webhooks (JSON and text/plain), every error status, `/health` and `/events` auth, and events
 * that arrive before the MCP client initialized.
 */

import { checkKeyCard } from "../../src/core/node_key.ts";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { VERSION } from "../../src/platform/version.ts";
import {
  freePorts,
  jsonRpcProblems,
  NodeProcess,
  randomSecret,
  SseStream,
} from "../support/harness.ts";

const MAX_BYTES = 64;

describe("webhooks into one node", () => {
  let node: NodeProcess;
  let secret: string;
  before(async () => {
    const [port, other] = await freePorts(2);
    secret = randomSecret();
    node = NodeProcess.spawn({
      role: "hooked",
      port,
      secret,
      peers: { other },
      env: { INTERCOM_MAX_MESSAGE_BYTES: String(MAX_BYTES) },
    });
    await node.waitListening();
    // The MCP client connects in the first test, after webhooks arrived.
  });
  after(async () => {
    await node?.stop();
  });

  const post = (body: BodyInit, headers: Record<string, string> = {}, path = "/message") =>
    fetch(`${node.url}${path}`, {
      method: "POST",
      headers: { "X-Intercom-Secret": secret, "content-type": "application/json", ...headers },
      body,
    });

  test("events that arrive before initialize are held and flushed in order", async () => {
    const ids: string[] = [];
    for (const text of ["first", "second", "third"]) {
      const r = await post(JSON.stringify({ from: "ci", message: text }));
      // Held, and said so: no session has it yet, so it is not "delivered".
      assert.equal(r.status, 202);
      const body = await r.json();
      assert.equal(body.held, true);
      ids.push(body.message_id);
    }
    assert.deepEqual(node.stdoutLines, [], "nothing on stdout before the client spoke");
    const session = await node.connect();
    const events = await session.waitForEvents(3);
    assert.deepEqual(events.map((e) => e.content), ["first", "second", "third"]);
    assert.deepEqual(events.map((e) => e.meta?.message_id), ids);
    // stdout is ordered: the initialize response is its first line, so no event (and nothing
    // else) was written before the client spoke.
    const first = JSON.parse(node.stdoutLines[0]);
    assert.ok(first.result?.protocolVersion, node.stdoutLines[0]);
  });

  test("a JSON webhook arrives as a channel event with its fields in meta", async () => {
    const n = node.session.events.length;
    const r = await post(JSON.stringify({
      from: "ci",
      message: "build failed",
      message_id: "ci-run-42",
      reply_to: "msg_0001",
      sent_at: "2026-01-02T03:04:05.000Z",
      to: "hooked",
    }));
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { ok: true, message_id: "ci-run-42" });
    const [event] = await node.session.waitForEvents(1, { from: n });
    assert.equal(event.content, "build failed");
    assert.deepEqual(event.meta, {
      from: "ci",
      to: "hooked",
      message_id: "ci-run-42",
      reply_to: "msg_0001",
      sent_at: "2026-01-02T03:04:05.000Z",
      sender_kind: "webhook",
    });
  });

  test("a JSON webhook without from comes from webhook", async () => {
    const n = node.session.events.length;
    const r = await post(JSON.stringify({ message: "nightly done" }));
    assert.equal(r.status, 200);
    const body = await r.json();
    const [event] = await node.session.waitForEvents(1, { from: n });
    assert.equal(event.meta?.from, "webhook");
    assert.equal(event.meta?.message_id, body.message_id);
    assert.ok(!Number.isNaN(Date.parse(event.meta!.sent_at)));
  });

  test("a text/plain webhook is the message; from is X-Intercom-From or webhook", async () => {
    const n = node.session.events.length;
    const a = await post("deploy finished", {
      "content-type": "text/plain; charset=utf-8",
      "X-Intercom-From": "deployer",
    });
    assert.equal(a.status, 200);
    await a.body?.cancel();
    const b = await post("plain and anonymous", { "content-type": "text/plain" });
    assert.equal(b.status, 200);
    await b.body?.cancel();
    const [ea, eb] = await node.session.waitForEvents(2, { from: n });
    assert.equal(ea.content, "deploy finished");
    assert.equal(ea.meta?.from, "deployer");
    assert.equal(eb.content, "plain and anonymous");
    assert.equal(eb.meta?.from, "webhook");
  });

  test("a real curl -d webhook arrives", { skip: !existsSync("/usr/bin/curl") }, async () => {
    const n = node.session.events.length;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        "curl",
        [
          "-sS",
          "--max-time",
          "5",
          "-H",
          `X-Intercom-Secret: ${secret}`,
          "-H",
          "Content-Type: text/plain",
          "-H",
          "X-Intercom-From: github-actions",
          "-d",
          "build failed on main",
          `${node.url}/message`,
        ],
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error} ${stderr}`)) : resolve(stdout),
      );
    });
    assert.equal(JSON.parse(out).ok, true, out);
    const [event] = await node.session.waitForEvents(1, { from: n });
    assert.equal(event.content, "build failed on main");
    assert.equal(event.meta?.from, "github-actions");
  });

  test("every error status is a JSON {ok:false,error} and raises no channel event", async () => {
    const n = node.session.events.length;
    const cases: [number, string, () => Promise<Response>][] = [
      [400, "bad JSON", () => post("{not json")],
      [400, "missing message", () => post(JSON.stringify({ from: "ci" }))],
      [400, "message not a string", () => post(JSON.stringify({ message: 42 }))],
      [400, "body an array", () => post(JSON.stringify(["hi"]))],
      [400, "bad from", () => post(JSON.stringify({ from: "a b<c>", message: "hi" }))],
      [401, "missing secret", () =>
        fetch(`${node.url}/message`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ message: "hi" }),
        })],
      [
        401,
        "wrong secret",
        () => post(JSON.stringify({ message: "hi" }), { "X-Intercom-Secret": "not-the-secret" }),
      ],
      [404, "unknown path", () => post(JSON.stringify({ message: "hi" }), {}, "/messages")],
      [405, "GET /message", () => fetch(`${node.url}/message`)],
      [405, "POST /health", () => post("{}", {}, "/health")],
      [
        413,
        "message over INTERCOM_MAX_MESSAGE_BYTES",
        () => post(JSON.stringify({ message: "x".repeat(MAX_BYTES + 1) })),
      ],
      [
        413,
        "multi-byte message over the limit",
        () => post("é".repeat(MAX_BYTES), { "content-type": "text/plain" }),
      ],
      [
        413,
        "body far over the limit",
        () => post("y".repeat(200_000), { "content-type": "text/plain" }),
      ],
      [
        415,
        "XML content type",
        () => post("<message>hi</message>", { "content-type": "application/xml" }),
      ],
      [421, "to names another role", () => post(JSON.stringify({ to: "frontend", message: "hi" }))],
    ];
    for (const [status, what, request] of cases) {
      const response = await request();
      const text = await response.text();
      assert.equal(response.status, status, `${what}: ${text}`);
      assert.match(response.headers.get("content-type") ?? "", /^application\/json/, what);
      const body = JSON.parse(text);
      assert.equal(body.ok, false, what);
      assert.equal(typeof body.error, "string", what);
      assert.ok(body.error.length > 10, `${what}: a useful error, got "${body.error}"`);
    }
    // A good message after all the bad ones is the next and only event: events arrive in
    // order, so a refused request that raised one would show up before it.
    const ok = await post(JSON.stringify({ message: "sentinel" }));
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    const [event] = await node.session.waitForEvents(1, { from: n });
    assert.equal(event.content, "sentinel");
    assert.equal(node.session.events.length, n + 1);
  });

  test("error texts say what to fix", async () => {
    const wrong = await post("{}", { "X-Intercom-Secret": "nope" });
    assert.match((await wrong.json()).error, /INTERCOM_SECRET/);
    const other = await post(JSON.stringify({ to: "frontend", message: "hi" }));
    assert.match((await other.json()).error, /"hooked", not "frontend"/);
    const big = await post(JSON.stringify({ message: "x".repeat(MAX_BYTES + 1) }));
    assert.match((await big.json()).error, /INTERCOM_MAX_MESSAGE_BYTES|limit/);
    const allowed = await fetch(`${node.url}/message`);
    assert.equal(allowed.headers.get("allow"), "POST");
    await allowed.body?.cancel();
  });

  test("GET /health answers without a secret", async () => {
    const r = await fetch(`${node.url}/health`);
    assert.equal(r.status, 200);
    const { node_key: card, ...rest } = await r.json();
    assert.deepEqual(rest, {
      status: "ok",
      role: "hooked",
      peers: ["other"],
      version: VERSION,
      signatures: ["v1"],
      receipts: true,
      require_signature: false,
    });
    // The node's public keys only, bound to its role by its signature.
    assert.deepEqual(Object.keys(card).sort(), ["ed25519", "fingerprint", "signature", "x25519"]);
    assert.equal(checkKeyCard(card, "hooked").ok, true);
  });

  test("GET /events refuses a missing or wrong secret with 401", async () => {
    for (const headers of [{}, { "X-Intercom-Secret": "wrong" }] as Record<string, string>[]) {
      const r = await fetch(`${node.url}/events`, { headers });
      assert.equal(r.status, 401);
      const body = await r.json();
      assert.equal(body.ok, false);
    }
  });

  test("GET /events with the secret starts with hello and carries webhook recv events", async () => {
    const r = await fetch(`${node.url}/events`, { headers: { "X-Intercom-Secret": secret } });
    assert.equal(r.status, 200);
    const stream = new SseStream(r);
    // The hello comes once the stream follows the hub: a message posted after it is streamed.
    await stream.hello();
    const sent = await post(JSON.stringify({ from: "ci", message: "watch this" }));
    const { message_id } = await sent.json();
    const [hello, recv] = await stream.until((evs) => evs.length >= 2);
    await stream.close();
    assert.equal(hello.event, "hello");
    assert.equal(JSON.parse(hello.data).role, "hooked");
    assert.equal(recv.event, "recv");
    const envelope = JSON.parse(recv.data);
    assert.equal(envelope.message_id, message_id);
    assert.equal(envelope.message, "watch this");
    await node.session.waitForEvents(1, { from: node.session.events.length - 1 });
  });

  test("stdout stayed JSON-RPC and every event passed the strict schema", () => {
    assert.deepEqual(jsonRpcProblems(node.stdoutLines), []);
    assert.deepEqual(node.session.errors.map(String), []);
  });
});
