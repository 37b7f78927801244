import { test } from "node:test";
import { memoryIds } from "../../tests/support/ids.ts";
import assert from "node:assert/strict";
import { createHandler, type HandlerOptions } from "./handler.ts";
import { RateLimiter } from "../core/rate_limit.ts";
import { Hub } from "../node/hub.ts";
import { requestLine, signatureKey, signHeaders } from "../core/signature.ts";
import { EventStreams } from "./sse.ts";
import { AuthThrottle } from "./throttle.ts";

const SECRET = "edge-secret-0123456789";
const KEY = signatureKey(SECRET);
const NOW = new Date("2026-11-29T12:00:00Z");
const NOW_S = NOW.getTime() / 1000;

function setup(extra: Partial<HandlerOptions> = {}) {
  const hub = new Hub();
  const streams = new EventStreams(hub);
  const handler = createHandler({
    role: "backend",
    peers: [],
    version: "9.9.9",
    secret: SECRET,
    maxMessageBytes: 64,
    hub,
    streams,
    ...memoryIds(60_000),
    signingKey: KEY,
    now: () => NOW,
    ...extra,
  });
  return { handler, streams };
}

/** A request as srvx hands it over, with the client's address. */
function from(ip: string, request: Request): Request {
  Object.defineProperty(request, "ip", { value: ip });
  return request;
}

const signed = (id: string, body: string, timestamp = NOW_S) =>
  signHeaders(KEY, { id, timestamp, body });

test("httpHandler opens GET /events only with a signature over GET /events, once per id", async () => {
  const { handler, streams } = setup();
  const events = (headers: Record<string, string>) =>
    handler(new Request("http://node/events", { headers }));
  assert.equal((await events(signed("p1", ""))).status, 401, "a 2.1 probe signature");
  assert.equal((await events(signed("p2", "GET /health"))).status, 401, "a probe signature");
  const ok = await events(signed("v1", requestLine("GET", "/events")));
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
  const again = await events(signed("v1", requestLine("GET", "/events")));
  assert.equal(again.status, 401);
  assert.match((await again.json()).error, /already used/);
  streams.closeAll();
});

test("httpHandler authenticates new and 2.1 /health probes, refuses a replay, and says why not", async () => {
  const { handler } = setup();
  const health = async (headers: Record<string, string>) =>
    await (await handler(new Request("http://node/health", { headers }))).json();
  assert.equal((await health(signed("h1", "GET /health"))).authenticated, true);
  assert.equal((await health(signed("h2", ""))).authenticated, true, "2.1 probes still work");
  const replay = await health(signed("h1", "GET /health"));
  assert.equal(replay.authenticated, false);
  assert.match(replay.auth_error, /already used/);
  const skewed = await health(signed("h3", "GET /health", NOW_S - 400));
  assert.equal(skewed.authenticated, false);
  assert.match(skewed.auth_error, /400 s away .*check the clocks/);
});

test("httpHandler refuses a signed message with a stale timestamp without reading its body", async () => {
  const { handler } = setup();
  let pulled = false;
  const body = new ReadableStream({
    pull() {
      pulled = true;
    },
  }, { highWaterMark: 0 });
  const res = await handler(
    new Request("http://node/message", {
      method: "POST",
      body,
      headers: signed("m1", "{}", NOW_S - 3600),
      // @ts-ignore: a streaming body needs duplex under Node's fetch types
      duplex: "half",
    }),
  );
  assert.equal(res.status, 401);
  assert.equal(res.headers.get("connection"), "close");
  assert.equal(pulled, false, "the body was not read");
});

test("httpHandler reads few unverified signed bodies at once and answers 503 beyond", async () => {
  const { handler } = setup({ maxUnverifiedBodies: 2 });
  const stalled = () =>
    new Request("http://node/message", {
      method: "POST",
      body: new ReadableStream({ pull: () => new Promise(() => {}) }),
      headers: signed(`s${crypto.randomUUID()}`, "{}"),
      // @ts-ignore: a streaming body needs duplex under Node's fetch types
      duplex: "half",
    });
  const held = [handler(from("10.0.0.1", stalled())), handler(from("10.0.0.2", stalled()))];
  const third = await handler(from("10.0.0.3", stalled()));
  assert.equal(third.status, 503);
  assert.equal(third.headers.get("retry-after"), "1");
  void held; // They end with the 10 s body timeout; the test does not wait for them.
});

test("httpHandler limits /message per address whatever from names it claims", async () => {
  const { handler } = setup({ addressLimiter: new RateLimiter({ perMinute: 1, burst: 3 }) });
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await handler(
      from(
        "192.0.2.5",
        new Request("http://node/message", {
          method: "POST",
          body: JSON.stringify({ from: `n${i}`, message: "hi" }),
          headers: { "x-intercom-secret": SECRET, "content-type": "application/json" },
        }),
      ),
    );
    statuses.push(res.status);
  }
  assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
});

test("httpHandler throttles a source that keeps failing, even with the right secret then", async () => {
  const lines: string[] = [];
  const throttle = new AuthThrottle({ perMinute: 1, burst: 3, log: (l) => lines.push(l) });
  const { handler } = setup({ throttle });
  const attempt = (secret: string) =>
    handler(
      from(
        "198.51.100.7",
        new Request("http://node/message", {
          method: "POST",
          body: JSON.stringify({ message: "hi" }),
          headers: { "x-intercom-secret": secret, "content-type": "application/json" },
        }),
      ),
    );
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await attempt(`guess${i}`)).status);
  // The burst of 3, then the failure that finds the bucket empty, then 429.
  assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
  const right = await attempt(SECRET);
  assert.equal(right.status, 429);
  assert.match(right.headers.get("retry-after") ?? "", /^\d+$/);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /198\.51\.100\.7/);
  assert.ok(!lines[0].includes(SECRET));
});
