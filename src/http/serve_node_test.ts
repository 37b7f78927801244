// The Node adapter under test with the real handler, over real sockets on 127.0.0.1.
import { test } from "node:test";
import { memoryIds } from "../../tests/support/ids.ts";
import assert from "node:assert/strict";
import { request } from "node:http";
import { Hub, type HubRecord } from "../node/hub.ts";
import { signatureKey } from "../core/signature.ts";
import { createHandler } from "./handler.ts";
import { EventStreams } from "./sse.ts";
import { listenNode } from "./serve_node.ts";

const SECRET = "serve-node-secret-0123456789abcdef";

async function start() {
  const hub = new Hub();
  const received: HubRecord[] = [];
  hub.subscribe((r) => received.push(r));
  const streams = new EventStreams(hub);
  const handler = createHandler({
    role: "backend",
    peers: ["frontend"],
    version: "9.9.9",
    secret: SECRET,
    maxMessageBytes: 32,
    hub,
    streams,
    ...memoryIds(60_000),
    signingKey: signatureKey(SECRET),
  });
  const server = await listenNode({ port: 0, hostname: "127.0.0.1" }, handler);
  return { hub, received, streams, server, base: server.url!.replace(/\/$/, "") };
}

/** A raw node:http request, so bodies can be bytes fetch would not send (invalid UTF-8). */
function raw(url: string, method: string, body?: Uint8Array, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; text: string }>(
    (resolve, reject) => {
      const req = request(url, { method, headers: { "x-intercom-secret": SECRET, ...headers } });
      req.on("response", (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c) => text += c);
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      });
      req.on("error", reject);
      req.end(body);
    },
  );
}

test("listenNode hands POST /message to the handler and answers its JSON", async () => {
  const { server, base, received } = await start();
  try {
    const res = await fetch(`${base}/message`, {
      method: "POST",
      headers: { "x-intercom-secret": SECRET, "content-type": "application/json" },
      body: JSON.stringify({ from: "frontend", message: "héllo" }),
    });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).ok, true);
    assert.equal(received[0].envelope.message, "héllo");
    const health = await fetch(`${base}/health`);
    assert.equal((await health.json()).role, "backend");
    assert.equal((await raw(`${base}/health`, "HEAD")).text, "");
    assert.equal((await fetch(`${base}/nowhere`)).status, 404);
  } finally {
    await server.close(true);
  }
});

test("listenNode keeps the handler's limit and UTF-8 check on raw bodies", async () => {
  const { server, base, received } = await start();
  try {
    const big = await raw(`${base}/message`, "POST", new Uint8Array(300_000).fill(0x61));
    assert.equal(big.status, 413);
    assert.match(big.text, /Body is over/);
    const bad = await raw(`${base}/message`, "POST", new Uint8Array([0x7b, 0xff, 0x7d]));
    assert.equal(bad.status, 400);
    assert.match(bad.text, /not valid UTF-8/);
    assert.equal(received.length, 0);
  } finally {
    await server.close(true);
  }
});

test("listenNode streams /events until the node closes its streams", async () => {
  const { server, base, hub, streams } = await start();
  const res = await fetch(`${base}/events`, { headers: { "x-intercom-secret": SECRET } });
  assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const until = async (marker: string) => {
    while (!text.includes(marker)) {
      const { value, done } = await reader.read();
      if (done) return;
      text += decoder.decode(value);
    }
  };
  await until("event: hello");
  hub.publish("recv", { message_id: "m1", from: "a", to: "b", message: "hi", sent_at: "t" });
  await until("event: recv");
  assert.match(text, /"message_id":"m1"/);
  streams.closeAll(); // as a node does before closing its server
  await until("never"); // returns when the stream ends
  await server.close(true);
});

test("listenNode rejects with EADDRINUSE when the port is taken", async () => {
  const { server } = await start();
  const port = Number(new URL(server.url!).port);
  try {
    await assert.rejects(
      listenNode({ port, hostname: "127.0.0.1" }, () => Promise.resolve(new Response("x"))),
      (e: { code?: string }) => e.code === "EADDRINUSE",
    );
  } finally {
    await server.close(true);
  }
});
