import { test } from "node:test";
import { memoryIds } from "../../tests/support/ids.ts";
import assert from "node:assert/strict";
import { createHandler, type HandlerOptions } from "./handler.ts";
import { RateLimiter } from "../core/rate_limit.ts";
import { Hub, type HubRecord } from "../node/hub.ts";
import { signatureKey, signHeaders } from "../core/signature.ts";
import { EventStreams } from "./sse.ts";

const SECRET = "test-secret-0123456789";

function setup(extra: Partial<HandlerOptions> = {}) {
  const hub = new Hub();
  const received: HubRecord[] = [];
  hub.subscribe((r) => received.push(r), ["recv"]);
  const streams = new EventStreams(hub);
  const handler = createHandler({
    role: "backend",
    peers: ["frontend", "tester"],
    version: "9.9.9",
    secret: SECRET,
    maxMessageBytes: 32,
    hub,
    streams,
    ...memoryIds(60_000),
    signingKey: signatureKey(SECRET),
    now: () => new Date("2026-11-29T12:00:00Z"),
    ...extra,
  });
  return { hub, received, streams, handler };
}

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Request("http://node/message", {
    method: "POST",
    body,
    headers: { "x-intercom-secret": SECRET, "content-type": "application/json", ...headers },
  });

test("httpHandler answers GET /health without a secret", async () => {
  const { handler } = setup();
  const res = await handler(new Request("http://node/health"));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    status: "ok",
    role: "backend",
    peers: ["frontend", "tester"],
    version: "9.9.9",
    signatures: ["v1"],
    receipts: true,
    require_signature: false,
  });
});

test("httpHandler delivers a JSON message to the hub and returns its id", async () => {
  const { handler, received } = setup();
  const res = await handler(post(JSON.stringify({ from: "frontend", message: "hi" })));
  const body = await res.json();
  assert.equal(res.status, 200);
  assert.equal(body.ok, true);
  assert.equal(received.length, 1);
  assert.equal(received[0].envelope.message_id, body.message_id);
  assert.equal(received[0].envelope.from, "frontend");
});

test("httpHandler acknowledges a repeated message_id without delivering it again", async () => {
  const { handler, received } = setup();
  const body = JSON.stringify({ from: "frontend", message: "once", message_id: "m-1" });
  assert.deepEqual(await (await handler(post(body))).json(), { ok: true, message_id: "m-1" });
  assert.deepEqual(await (await handler(post(body))).json(), {
    ok: true,
    message_id: "m-1",
    duplicate: true,
  });
  assert.equal(received.length, 1);
});

test("httpHandler takes a text/plain body from X-Intercom-From or webhook", async () => {
  const { handler, received } = setup();
  await handler(post("build failed", { "content-type": "text/plain" }));
  await handler(post("deploy ok", { "content-type": "text/plain", "x-intercom-from": "ci" }));
  assert.deepEqual(received.map((r) => [r.envelope.from, r.envelope.message]), [
    ["webhook", "build failed"],
    ["ci", "deploy ok"],
  ]);
});

test("httpHandler answers every bad request with a JSON error and delivers nothing", async () => {
  const { handler, received } = setup();
  const cases: [Request, number, RegExp][] = [
    [post("{nope"), 400, /not valid JSON/],
    [post('"just a string"'), 400, /must be a JSON object/],
    [post(JSON.stringify({ from: "a" })), 400, /"message" is required/],
    [post(new Uint8Array([0x7b, 0xff, 0x7d])), 400, /UTF-8/],
    [post("{}", { "x-intercom-secret": "wrong" }), 401, /Wrong X-Intercom-Secret/],
    [
      new Request("http://node/message", { method: "POST", body: "{}" }),
      401,
      /Missing X-Intercom-Secret/,
    ],
    [new Request("http://node/nope"), 404, /No route \/nope/],
    [new Request("http://node/message"), 405, /accepts POST only/],
    [new Request("http://node/health", { method: "DELETE" }), 405, /accepts GET only/],
    [post(JSON.stringify({ message: "x".repeat(33) })), 413, /over the limit of 32/],
    [post("x".repeat(300_000)), 413, /Body is over/],
    [post("<x/>", { "content-type": "application/xml" }), 415, /not supported/],
    [post(JSON.stringify({ to: "frontend", message: "x" })), 421, /not "frontend"/],
    [new Request("http://node/events"), 401, /Missing/],
  ];
  for (const [request, status, error] of cases) {
    const res = await handler(request);
    assert.equal(res.status, status, `${request.method} ${request.url}`);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    const body = await res.json();
    assert.equal(body.ok, false);
    assert.match(body.error, error);
  }
  assert.equal(received.length, 0);
});

test("httpHandler streams events on GET /events with the secret", async () => {
  const { handler, streams } = setup();
  const res = await handler(
    new Request("http://node/events", { headers: { "x-intercom-secret": SECRET } }),
  );
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
  const reader = res.body!.getReader();
  const { value } = await reader.read();
  assert.match(new TextDecoder().decode(value), /^event: hello\ndata: {"role":"backend"/);
  streams.closeAll();
  assert.equal((await reader.read()).done, true);
});

const NOW_S = Date.parse("2026-11-29T12:00:00Z") / 1000;
const signedPost = (body: string, id: string, timestamp = NOW_S, secret = SECRET) =>
  new Request("http://node/message", {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      ...signHeaders(signatureKey(secret), { id, timestamp, body }),
    },
  });

test("httpHandler accepts a Standard Webhooks signature instead of the secret", async () => {
  const { handler, received } = setup({ requireSignature: true });
  const res = await handler(signedPost(JSON.stringify({ from: "a", message: "signed" }), "msg_1"));
  assert.deepEqual(await res.json(), { ok: true, message_id: "msg_1" });
  assert.equal(received[0].envelope.message, "signed");
});

test("httpHandler refuses bad signatures and stale timestamps with the reason", async () => {
  const { handler, received } = setup();
  const body = JSON.stringify({ from: "a", message: "x" });
  const cases: [Request, RegExp][] = [
    [signedPost(body, "m1", NOW_S, "another-secret-entirely"), /signature does not match/],
    [signedPost(body, "m2", NOW_S - 301), /301 s away/],
    [signedPost(body, "m3", NOW_S + 400), /400 s away/],
  ];
  for (const [request, reason] of cases) {
    const res = await handler(request);
    assert.equal(res.status, 401);
    assert.match((await res.json()).error, reason);
  }
  assert.equal(received.length, 0);
});

test("httpHandler does not deliver a replayed signed request twice", async () => {
  const { handler, received } = setup();
  const body = JSON.stringify({ from: "a", message: "once" });
  await handler(signedPost(body, "replayed-id"));
  const again = await (await handler(signedPost(body, "replayed-id"))).json();
  assert.equal(again.duplicate, true);
  assert.equal(received.length, 1);
});

test("httpHandler tells a signed /health probe whether its secret matches", async () => {
  const { handler } = setup();
  const probe = (secret: string) =>
    handler(
      new Request("http://node/health", {
        headers: signHeaders(signatureKey(secret), { id: "probe_1", timestamp: NOW_S, body: "" }),
      }),
    ).then((r) => r.json());
  assert.equal((await probe(SECRET)).authenticated, true);
  assert.equal((await probe("another-secret-entirely")).authenticated, false);
  assert.equal(
    "authenticated" in await (await handler(new Request("http://node/health"))).json(),
    false,
  );
});

test("httpHandler with requireSignature refuses the plain secret header", async () => {
  const { handler } = setup({ requireSignature: true });
  const res = await handler(post(JSON.stringify({ message: "x" })));
  assert.equal(res.status, 401);
  assert.match((await res.json()).error, /accepts only signed requests/);
});

test("httpHandler rate-limits each sender with 429 and Retry-After", async () => {
  const { handler, received } = setup({ limiter: new RateLimiter({ perMinute: 60, burst: 2 }) });
  const send = (from: string) => handler(post(JSON.stringify({ from, message: "x" })));
  assert.equal((await send("a")).status, 200);
  assert.equal((await send("a")).status, 200);
  const limited = await send("a");
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), "1");
  assert.match((await limited.json()).error, /Too many messages from "a"/);
  assert.equal((await send("b")).status, 200);
  assert.equal(received.length, 3);
});

test("httpHandler refuses /events clients beyond the limit with 503", async () => {
  const { handler, streams } = setup({ maxEventClients: 1 });
  const open = () =>
    handler(new Request("http://node/events", { headers: { "x-intercom-secret": SECRET } }));
  const first = await open();
  assert.equal(first.status, 200);
  const second = await open();
  assert.equal(second.status, 503);
  assert.match((await second.json()).error, /Too many \/events clients/);
  streams.closeAll();
  await first.body?.cancel();
});

test("httpHandler cuts off a body that arrives too slowly with 408", async () => {
  const { handler, received } = setup({ bodyTimeoutMs: 30 });
  // The body never ends: only the body timeout can answer.
  const slow = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"message":'));
    },
  });
  const res = await handler(post(slow));
  assert.equal(res.status, 408);
  assert.equal(received.length, 0);
});
