import { test } from "node:test";
import assert from "node:assert/strict";
import { guardHosts, hostOf, hostProblem, isLoopbackHost } from "./host_guard.ts";

const req = (headers: Record<string, string>) =>
  new Request("http://127.0.0.1:8788/message", { method: "POST", headers });

test("isLoopbackHost and hostOf know loopback names and strip ports", () => {
  for (const h of ["localhost", "127.0.0.1", "127.1.2.3", "[::1]", "::1"]) {
    assert.ok(isLoopbackHost(h), h);
  }
  for (const h of ["0.0.0.0", "10.0.0.1", "localhost.evil.example", "127.0.0.1.nip.io"]) {
    assert.ok(!isLoopbackHost(h), h);
  }
  assert.equal(hostOf("Evil.Example:8788"), "evil.example");
  assert.equal(hostOf("[::1]:8788"), "[::1]");
});

test("hostProblem refuses foreign Host names on a loopback bind only", () => {
  const loopback = { hostname: "127.0.0.1", allowedHosts: ["talkie.test"] };
  assert.match(
    hostProblem(req({ host: "evil.example:8788" }), loopback)!,
    /INTERCOM_ALLOWED_HOSTS/,
  );
  assert.equal(hostProblem(req({ host: "localhost:8788" }), loopback), undefined);
  assert.equal(hostProblem(req({ host: "talkie.test" }), loopback), undefined);
  assert.equal(hostProblem(req({ host: "evil.example" }), { hostname: "0.0.0.0" }), undefined);
});

test("hostProblem refuses a browser Origin unless its host is allowed, on any bind", () => {
  const any = { hostname: "0.0.0.0", allowedHosts: ["talkie.test"] };
  assert.match(hostProblem(req({ origin: "http://evil.example" }), any)!, /Origin/);
  assert.match(hostProblem(req({ origin: "null" }), any)!, /Origin/);
  assert.equal(hostProblem(req({ origin: "https://talkie.test" }), any), undefined);
});

test("guardHosts answers 403 with a JSON error and never calls the handler", async () => {
  let called = false;
  const guarded = guardHosts(() => {
    called = true;
    return Promise.resolve(new Response("ok"));
  }, { hostname: "127.0.0.1" });
  const res = await guarded(req({ host: "evil.example" }));
  assert.equal(res.status, 403);
  assert.equal((await res.json()).ok, false);
  assert.equal(called, false);
});
