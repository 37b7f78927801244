import assert from "node:assert/strict";
import { signatureKey, verifySignature } from "../../src/core/signature.ts";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { followNode, toViewerEvent } from "./sse.ts";
import type { ViewerEvent } from "../model/state.ts";

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

/** A tiny SSE server on 127.0.0.1, a free port; `close` ends it and every open response. */
async function serve(handler: Handler) {
  const open = new Set<ServerResponse>();
  let n = 0;
  const server = createServer((req, res) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    handler(req, res, ++n);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * The events a source reports; `until` resolves as soon as one arrives that makes `check`
 * hold (the timeout only bounds a wait that fails).
 */
function collect() {
  const events: ViewerEvent[] = [];
  const waiters = new Set<() => void>();
  return {
    events,
    onEvent: (e: ViewerEvent) => {
      events.push(e);
      for (const wake of [...waiters]) wake();
    },
    until: (check: () => boolean, ms = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const wake = () => {
          if (!check()) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(
            new Error(`No event made ${check} hold within ${ms} ms: ${JSON.stringify(events)}`),
          );
        }, ms);
        waiters.add(wake);
        wake();
      }),
  };
}

const envelope = {
  message_id: "m1",
  from: "frontend",
  to: "backend",
  message: "hi",
  sent_at: "2025-03-04T14:32:15.000Z",
};

test("followNode signs its request, reports events, and resumes with Last-Event-ID", async () => {
  const headers: IncomingMessage["headers"][] = [];
  const server = await serve((req, res, n) => {
    headers.push(req.headers);
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(`event: hello\ndata: {"role":"backend","peers":["frontend"],"version":"2.1.0"}\n\n`);
    if (n === 1) {
      res.write(`: keep-alive\n\nevent: recv\nid: 7\ndata: ${JSON.stringify(envelope)}\n\n`);
      res.end(); // the node went away: the source must come back
    }
  });
  const { events, onEvent, until } = collect();
  const stop = new AbortController();
  const done = followNode("backend", server.url, {
    secret: "s3cret",
    retryMs: 50,
    signal: stop.signal,
    onEvent,
  });
  try {
    await until(() => events.filter((e) => e.type === "hello").length === 2);
  } finally {
    stop.abort();
    await done;
    await server.close();
  }
  // Signed with the secret, which itself never crosses the wire.
  assert.equal(headers[0]["x-intercom-secret"], undefined);
  assert.equal(
    verifySignature(
      signatureKey("s3cret"),
      { headers: new Headers(headers[0] as Record<string, string>), body: "GET /events" },
      { nowSeconds: Date.now() / 1000 },
    ).ok,
    true,
  );
  assert.equal(headers[0]["last-event-id"], "0");
  assert.equal(headers[1]["last-event-id"], "7");
  const kinds = events.map((e) => e.type === "connection" ? e.status : e.type);
  assert.deepEqual(kinds, ["connecting", "hello", "message", "offline", "connecting", "hello"]);
  assert.deepEqual(events[2], { type: "message", node: "backend", kind: "recv", envelope });
});

test("followNode reports a 401 as auth failed, with the node's reason, and retries", async () => {
  const server = await serve((_req, res) => {
    res.writeHead(401, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: false, error: "Wrong or missing X-Intercom-Secret" }));
  });
  const { events, onEvent, until } = collect();
  const stop = new AbortController();
  const done = followNode("backend", server.url, {
    secret: "wrong",
    retryMs: 20,
    signal: stop.signal,
    onEvent,
  });
  try {
    await until(() => events.filter((e) => e.type === "connection").length >= 4);
  } finally {
    stop.abort();
    await done;
    await server.close();
  }
  assert.deepEqual(events[1], {
    type: "connection",
    node: "backend",
    status: "auth-failed",
    error: "auth failed: Wrong or missing X-Intercom-Secret",
  });
  assert.equal(events[2].type === "connection" && events[2].status, "connecting");
});

test("followNode reports an unreachable node as offline and stops on abort", async () => {
  const server = await serve(() => {});
  const url = server.url;
  await server.close(); // nothing listens on that port now
  const { events, onEvent, until } = collect();
  const stop = new AbortController();
  const done = followNode("gone", url, {
    secret: "s",
    retryMs: 10_000,
    signal: stop.signal,
    onEvent,
  });
  await until(() => events.length === 2);
  stop.abort(); // must not wait out the 10 s retry
  await done;
  assert.equal(events[1].type === "connection" && events[1].status, "offline");
});

test("toViewerEvent refuses data of the wrong shape and unknown events", () => {
  assert.equal(toViewerEvent("a", { event: "send", data: "not json" }), undefined);
  assert.equal(toViewerEvent("a", { event: "send", data: '{"from":"x"}' }), undefined);
  assert.equal(toViewerEvent("a", { event: "hello", data: "[]" }), undefined);
  assert.equal(toViewerEvent("a", { event: "party", data: "{}" }), undefined);
  // reset is the source's business (it starts over), not the model's.
  assert.equal(toViewerEvent("a", { event: "reset", data: "{}" }), undefined);
  assert.deepEqual(toViewerEvent("a", { event: "status", data: '{"text":"fixing tests"}' }), {
    type: "status",
    node: "a",
    text: "fixing tests",
  });
  const extra = { ...envelope, reply_to: "m0", evil: "<script>" };
  const e = toViewerEvent("a", { event: "send", data: JSON.stringify(extra) });
  assert.deepEqual(e, {
    type: "message",
    node: "a",
    kind: "send",
    envelope: { ...envelope, reply_to: "m0" },
  });
});
