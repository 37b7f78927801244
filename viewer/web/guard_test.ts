import assert from "node:assert/strict";
import { test } from "node:test";
import { checkOrigin, checkRequest } from "./guard.ts";

const options = { token: "s3cr3t-token", port: 8790 };
const req = (path: string, headers: Record<string, string> = {}) =>
  new Request(`http://127.0.0.1:8790${path}`, { headers: { host: "127.0.0.1:8790", ...headers } });

test("checkRequest takes the token from the query or a bearer header, never a cookie", () => {
  assert.deepEqual(checkRequest(req("/?token=s3cr3t-token"), options), {
    ok: true,
    viaQuery: true,
  });
  const cookie = { cookie: "other=1; ctw_viewer_8790=s3cr3t-token" };
  assert.equal(checkRequest(req("/events", cookie), options).ok, false);
  assert.equal(checkOrigin(req("/", cookie), options).ok, true);
  const bearer = { authorization: "Bearer s3cr3t-token" };
  assert.equal(checkRequest(req("/events", bearer), options).ok, true);
});

test("checkRequest refuses a missing or wrong token with 401", () => {
  for (const r of [req("/"), req("/?token=nope"), req("/", { cookie: "ctw_viewer_8790=x" })]) {
    const verdict = checkRequest(r, options);
    assert.equal(!verdict.ok && verdict.status, 401);
  }
});

test("checkRequest refuses another Host (DNS rebinding) with 403, even with the token", () => {
  const verdict = checkRequest(req("/?token=s3cr3t-token", { host: "evil.example:8790" }), options);
  assert.equal(!verdict.ok && verdict.status, 403);
  const port = checkRequest(req("/?token=s3cr3t-token", { host: "127.0.0.1:9999" }), options);
  assert.equal(port.ok, false);
  for (const host of ["localhost:8790", "[::1]:8790"]) {
    assert.equal(checkRequest(req("/?token=s3cr3t-token", { host }), options).ok, true);
  }
});

test("checkRequest refuses a foreign Origin and cross-site fetches with 403", () => {
  const auth = { authorization: "Bearer s3cr3t-token" };
  const foreign = checkRequest(
    req("/api/message", { ...auth, origin: "http://evil.example" }),
    options,
  );
  assert.equal(!foreign.ok && foreign.status, 403);
  const nullOrigin = checkRequest(req("/api/message", { ...auth, origin: "null" }), options);
  assert.equal(nullOrigin.ok, false);
  const site = checkRequest(req("/events", { ...auth, "sec-fetch-site": "cross-site" }), options);
  assert.equal(site.ok, false);
  const own = checkRequest(
    req("/api/message", { ...auth, origin: "http://127.0.0.1:8790" }),
    options,
  );
  assert.equal(own.ok, true);
});

test("checkRequest accepts any Host when bound wide, but still wants the token", () => {
  const wide = { ...options, anyHost: true };
  assert.equal(checkRequest(req("/?token=s3cr3t-token", { host: "10.0.0.5:8790" }), wide).ok, true);
  assert.equal(checkRequest(req("/", { host: "10.0.0.5:8790" }), wide).ok, false);
});
