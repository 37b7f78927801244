/**
 * End-to-end: an operator request is good for one node, once, and costs an unauthenticated
 * sender nothing. alpha and beta both hold the operator's public key; a request signed for
 * alpha is captured on its way and sent unchanged to beta, to alpha after a restart, and
 * uploads that never finish are aimed at `/operator/message`.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { z } from "zod";
import { formatOperatorPublicKey } from "../../src/core/operator_signature.ts";
import { sendOperatorMessage, sendVerdict } from "../../viewer/operator.ts";
import { freePorts, NodeProcess, randomSecret, waitFor } from "../support/harness.ts";

const VerdictSchema = z.object({
  method: z.literal("notifications/claude/channel/permission"),
  params: z.object({ request_id: z.string(), behavior: z.string() }),
});
const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const OPERATOR_KEY = formatOperatorPublicKey(publicKey);

/** A fetch that keeps each request it sends, so a test can send it again unchanged. */
function recorder() {
  const sent: { url: string; init: RequestInit }[] = [];
  const recording: typeof fetch = (input, init) => {
    sent.push({ url: String(input), init: init! });
    return fetch(input, init);
  };
  return { sent, fetch: recording };
}

/** Sends the recorded request `r` to another base URL, headers and body unchanged. */
const resend = (r: { url: string; init: RequestInit }, base: string) =>
  fetch(base + new URL(r.url).pathname, r.init);

/**
 * Starts an upload of `length` bytes that sends only its headers and 1 KB: the status line of
 * the answer if one comes while the body is still owed, and the socket to end it.
 */
function stalledUpload(
  port: number,
  path: string,
  headers: Record<string, string>,
  length = 393_216,
): { status: Promise<number>; socket: Socket } {
  const socket = connect(port, "127.0.0.1");
  const head = [
    `POST ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    "Content-Type: application/json",
    `Content-Length: ${length}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.write(head.join("\r\n") + "\r\n\r\n" + "x".repeat(1024));
  const status = new Promise<number>((resolve) => {
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      text += chunk;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    socket.on("close", () => resolve(0));
    socket.on("error", () => resolve(0));
  });
  return { status, socket };
}

describe("an operator request is good for one node, once", () => {
  const secret = randomSecret();
  const cache = mkdtempSync(join(tmpdir(), "talkie-operator-ids-"));
  const verdicts: Record<string, unknown[]> = { alpha: [], beta: [] };
  let alpha: NodeProcess;
  let beta: NodeProcess;
  let ports: number[];

  const spawn = async (role: string, port: number, env: Record<string, string> = {}) => {
    const node = NodeProcess.spawn({
      role,
      port,
      secret,
      env: { INTERCOM_OPERATOR_KEY: OPERATOR_KEY, INTERCOM_RATE_LIMIT: "0", ...env },
    });
    await node.waitListening();
    await node.connect();
    node.session.client.setNotificationHandler(VerdictSchema, (n) => {
      verdicts[role].push(n.params);
    });
    return node;
  };
  const prompt = (node: NodeProcess, id: string) =>
    node.session.client.notification({
      method: "notifications/claude/channel/permission_request",
      params: { request_id: id, tool_name: "Bash", description: "Run ls", input_preview: "ls" },
    });
  /** Waits until `node` lists the prompt `id` as pending (the hello of its /events). */
  const pending = (node: NodeProcess, id: string) =>
    waitFor(async () => {
      const response = await fetch(`${node.url}/events`, {
        headers: { "x-intercom-secret": secret },
      });
      const reader = response.body!.getReader();
      let text = "";
      while (!text.includes("\n\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      await reader.cancel();
      return text.includes(`"request_id":"${id}"`);
    }, `prompt ${id} pending on ${node.role}`);

  before(async () => {
    ports = await freePorts(2);
    [alpha, beta] = await Promise.all([
      spawn("alpha", ports[0], { INTERCOM_STATE_DIR: cache }),
      spawn("beta", ports[1]),
    ]);
  });
  after(async () => {
    await Promise.all([alpha?.stop(), beta?.stop()]);
    rmSync(cache, { recursive: true, force: true });
  });

  test("a message signed for alpha is refused by beta with 403", async () => {
    const rec = recorder();
    const reply = await sendOperatorMessage(privateKey, {
      url: alpha.url,
      role: "alpha",
      text: "only for alpha",
    }, { fetch: rec.fetch });
    assert.deepEqual(reply, { ok: true });
    await alpha.session.waitForEvents(1);
    const moved = await resend(rec.sent[0], beta.url);
    assert.equal(moved.status, 403);
    assert.match(
      (await moved.json()).error,
      /^Not signed by the operator key .*"beta".*another node/,
    );
    // beta's session got nothing from the operator.
    await beta.session.call("list_peers");
    assert.equal(beta.session.events.length, 0);
  });

  test("a verdict for alpha's prompt is refused by beta, which has a prompt of that id", async () => {
    await prompt(alpha, "abcde");
    await prompt(beta, "abcde");
    await pending(alpha, "abcde");
    await pending(beta, "abcde");
    const rec = recorder();
    const reply = await sendVerdict(privateKey, {
      url: alpha.url,
      role: "alpha",
      requestId: "abcde",
      behavior: "allow",
    }, { fetch: rec.fetch });
    assert.deepEqual(reply, { ok: true });
    await waitFor(() => verdicts.alpha.length === 1, "alpha's verdict");
    const moved = await resend(rec.sent[0], beta.url);
    assert.equal(moved.status, 403);
    // The same verdict signed for beta is taken: the prompt was still pending there.
    const own = await sendVerdict(privateKey, {
      url: beta.url,
      role: "beta",
      requestId: "abcde",
      behavior: "deny",
    });
    assert.deepEqual(own, { ok: true });
    await waitFor(() => verdicts.beta.length === 1, "beta's own verdict");
    assert.deepEqual(verdicts.beta, [{ request_id: "abcde", behavior: "deny" }]);
  });

  test("a request taken before a restart is a replay after it", async () => {
    const rec = recorder();
    const reply = await sendOperatorMessage(privateKey, {
      url: alpha.url,
      role: "alpha",
      text: "before the restart",
    }, { fetch: rec.fetch });
    assert.deepEqual(reply, { ok: true });
    await alpha.stop();
    alpha = await spawn("alpha", ports[0], { INTERCOM_STATE_DIR: cache });
    const replayed = await resend(rec.sent[0], alpha.url);
    assert.equal(replayed.status, 403);
    assert.match((await replayed.json()).error, /already used/);
    // A new request still passes.
    const fresh = await sendOperatorMessage(privateKey, {
      url: alpha.url,
      role: "alpha",
      text: "after the restart",
    });
    assert.deepEqual(fresh, { ok: true });
    const [event] = await alpha.session.waitForEvents(1);
    assert.equal(event.content, "after the restart");
  });

  test("an upload without operator headers is refused before its body", async () => {
    const upload = stalledUpload(beta.port, "/operator/message", {});
    try {
      assert.equal(await upload.status, 403);
    } finally {
      upload.socket.destroy();
    }
  });

  test("uploads with operator headers share /message's bound on unverified bodies", async () => {
    const headers = () => ({
      "operator-id": `op_${crypto.randomUUID()}`,
      "operator-timestamp": String(Math.floor(Date.now() / 1000)),
      "operator-signature": `ed25519,${Buffer.alloc(64).toString("base64")}`,
    });
    // The body limit of /message: a 1.2 MB upload is cut off at its limit, not buffered.
    const big = stalledUpload(beta.port, "/operator/message", headers(), 8_000_000);
    big.socket.write("x".repeat(1_200_000));
    try {
      assert.equal(await big.status, 413);
    } finally {
      big.socket.destroy();
    }
    // Four slots per source address: the fifth upload from this address is told to wait.
    const uploads = Array.from(
      { length: 6 },
      () => stalledUpload(beta.port, "/operator/message", headers()),
    );
    try {
      assert.equal(await Promise.race(uploads.map((u) => u.status)), 503);
    } finally {
      for (const u of uploads) u.socket.destroy();
    }
  });

  test("a node refuses to start with an operator key of small order", async () => {
    const identity = Buffer.alloc(32);
    identity[0] = 1;
    const [port] = await freePorts(1);
    const node = NodeProcess.spawn({
      role: "weak",
      port,
      secret,
      env: { INTERCOM_OPERATOR_KEY: `ed25519:${identity.toString("base64")}` },
    });
    try {
      const exit = await node.waitOutput(30_000);
      assert.notEqual(exit.code, 0);
      const lines = node.stderr.trim().split("\n");
      assert.equal(lines.length, 1, node.stderr);
      assert.match(lines[0], /INTERCOM_OPERATOR_KEY is a point of small order/);
    } finally {
      await node.stop();
    }
  });
});
