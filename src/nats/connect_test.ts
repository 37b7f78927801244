import { test } from "node:test";
import assert from "node:assert/strict";
import type { NatsConfig } from "./config.ts";
import {
  connectionOptions,
  connectNats,
  describeConnectError,
  describeRequestError,
  isAuthError,
} from "./connect.ts";
import { freePorts } from "../../tests/support/harness.ts";

const base: NatsConfig = {
  servers: ["nats://127.0.0.1:4222"],
  mesh: "talkie",
  durable: false,
  presenceTtlMs: 15_000,
  roster: [],
};

test("connectionOptions carries exactly one login and reconnects for ever", () => {
  const plain = connectionOptions(base, "talkie-walkie:a");
  assert.equal(plain.name, "talkie-walkie:a");
  assert.equal(plain.maxReconnectAttempts, -1);
  assert.equal(plain.user, undefined);
  assert.equal(plain.token, undefined);
  const user = connectionOptions({ ...base, user: "u", password: "p" }, "n");
  assert.deepEqual([user.user, user.pass], ["u", "p"]);
  assert.equal(connectionOptions({ ...base, token: "t" }, "n").token, "t");
});

test("isAuthError tells a refused login from other failures", () => {
  assert.ok(isAuthError({ name: "AuthorizationError", message: "Authorization Violation" }));
  assert.ok(isAuthError(new Error("authentication expired")));
  assert.ok(!isAuthError(new Error("connection refused")));
  assert.ok(!isAuthError(undefined));
});

test("describeConnectError names the servers and the credentials to check", () => {
  const auth = { name: "AuthorizationError", message: "Authorization Violation" };
  assert.match(
    describeConnectError(auth, { ...base, user: "talkie", password: "x" }),
    /NATS at nats:\/\/127\.0\.0\.1:4222 refused the login .*check user "talkie"/,
  );
  assert.match(describeConnectError(auth, base), /no credentials \(set INTERCOM_NATS_CREDS/);
  assert.match(
    describeConnectError(new Error("ECONNREFUSED"), base),
    /^cannot connect to NATS at nats:\/\/127\.0\.0\.1:4222: ECONNREFUSED; check that nats-server/,
  );
});

test("describeRequestError: offline, timeout, permission and connection failures", () => {
  const o = { peer: "bob", mesh: "talkie", subject: "talkie.bob", timeoutMs: 5_000 };
  const offline = describeRequestError({ isNoResponders: () => true }, o);
  assert.match(offline.reason, /"bob" is not online in mesh "talkie"/);
  assert.deepEqual([offline.retryable, offline.offline], [true, true]);

  const wrapped = Object.assign(new Error("request timed out"), {
    name: "RequestError",
    cause: Object.assign(new Error("timeout"), { name: "TimeoutError" }),
  });
  const timeout = describeRequestError(wrapped, o);
  assert.equal(timeout.reason, 'no answer from "bob" within 5000 ms');
  assert.deepEqual([timeout.retryable, timeout.offline], [true, false]);

  const denied = describeRequestError(
    Object.assign(new Error("Permissions Violation for Publish to talkie.bob"), {
      name: "PermissionViolationError",
    }),
    o,
  );
  assert.match(denied.reason, /may not publish on talkie\.bob .*allow "talkie\.>"/);
  assert.equal(denied.retryable, false);

  const other = describeRequestError(new Error("connection closed"), o);
  assert.equal(other.reason, 'the request to "bob" failed: connection closed');
  assert.equal(other.retryable, true);
});

test("connectNats to a port where nothing listens fails with a sentence naming it", async () => {
  const [port] = await freePorts(1);
  const config = { ...base, servers: [`nats://127.0.0.1:${port}`] };
  const error = await connectNats(config, "t").then(() => undefined, (e) => e);
  assert.ok(error, "connecting must fail");
  assert.ok(!isAuthError(error));
  assert.match(describeConnectError(error, config), new RegExp(`127\\.0\\.0\\.1:${port}`));
});
