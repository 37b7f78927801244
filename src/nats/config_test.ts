import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../core/env.ts";
import { parseNatsConfig, parseRoster, rosterWarning } from "./config.ts";

const noFile = (p: string): string => {
  throw new Error(`ENOENT ${p}`);
};
const url = { INTERCOM_NATS_URL: "nats://127.0.0.1:4222" };

test("parseNatsConfig is undefined without INTERCOM_NATS_URL and fills the defaults", () => {
  assert.equal(parseNatsConfig({}, "a", noFile), undefined);
  const c = parseNatsConfig(url, "a", noFile)!;
  assert.deepEqual(c.servers, ["nats://127.0.0.1:4222"]);
  assert.equal(c.mesh, "talkie");
  assert.equal(c.durable, false);
  assert.equal(c.presenceTtlMs, 15_000);
  assert.deepEqual(c.roster, []);
});

test("parseNatsConfig reads a creds file and names it, never its contents, in errors", () => {
  const c = parseNatsConfig({ ...url, INTERCOM_NATS_CREDS: "/c.creds" }, "a", () => "JWT")!;
  assert.equal(new TextDecoder().decode(c.creds), "JWT");
  assert.equal(c.credsFile, "/c.creds");
  assert.throws(
    () => parseNatsConfig({ ...url, INTERCOM_NATS_CREDS: "/nope" }, "a", noFile),
    /Cannot read INTERCOM_NATS_CREDS "\/nope"/,
  );
});

test("parseRoster takes bare names or name=host, drops our own role and repeats", () => {
  assert.deepEqual(parseRoster("backend,frontend", "me"), {
    roster: ["backend", "frontend"],
    addresses: false,
  });
  assert.deepEqual(parseRoster(" tester , backend=10.0.0.5:8788, me, backend ", "me"), {
    roster: ["backend", "tester"],
    addresses: true,
  });
  assert.deepEqual(parseRoster("", "me"), { roster: [], addresses: false });
});

test("parseRoster refuses a name the broker cannot use, naming the entry", () => {
  for (
    const [peers, why] of [
      ["a.b", /PEERS entry "a\.b" cannot be used in broker mode/],
      ["events", /reserved/],
      ["=h", /PEERS entry "=h" is empty/],
      ["x y", /may only contain/],
    ] as const
  ) {
    assert.throws(() => parseRoster(peers, "me"), (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, why);
      return true;
    });
  }
});

test("the roster comes from the peers argument (the --peers flag or PEERS)", () => {
  const c = parseNatsConfig({ ...url, INTERCOM_NATS_DURABLE: "1" }, "me", noFile, "b,a,me")!;
  assert.deepEqual(c.roster, ["a", "b"]);
});

test("rosterWarning: one line for ignored addresses or a roster without durable mode", () => {
  const durable = parseNatsConfig({ ...url, INTERCOM_NATS_DURABLE: "1" }, "me", noFile, "a=h,b")!;
  assert.equal(rosterWarning(durable, ""), undefined);
  assert.equal(rosterWarning(durable, "a,b"), undefined);
  assert.match(
    rosterWarning(durable, "a=h,b")!,
    /PEERS addresses are ignored.*\(a, b\).*PEERS=a,b/,
  );
  const plain = parseNatsConfig(url, "me", noFile, "a,b")!;
  assert.match(rosterWarning(plain, "a,b")!, /PEERS is ignored in broker mode without/);
});

test("parseNatsConfig reads the stream limits and refuses what is not a positive integer", () => {
  const c = parseNatsConfig(
    { ...url, INTERCOM_NATS_MAX_AGE: "3600", INTERCOM_NATS_MAX_BYTES: "1048576" },
    "a",
    noFile,
  )!;
  assert.equal(c.maxAgeMs, 3_600_000);
  assert.equal(c.maxBytes, 1_048_576);
  const d = parseNatsConfig(url, "a", noFile)!;
  assert.deepEqual([d.maxAgeMs, d.maxBytes], [86_400_000, 64 * 1024 * 1024]);
  assert.throws(
    () => parseNatsConfig({ ...url, INTERCOM_NATS_MAX_AGE: "1d" }, "a", noFile),
    /INTERCOM_NATS_MAX_AGE "1d" must be a positive integer/,
  );
  assert.throws(
    () => parseNatsConfig({ ...url, INTERCOM_NATS_MAX_BYTES: "0" }, "a", noFile),
    /INTERCOM_NATS_MAX_BYTES "0" must be a positive integer/,
  );
  assert.throws(
    () => parseNatsConfig({ ...url, INTERCOM_NATS_MAX_BYTES: "4096" }, "a", noFile),
    /INTERCOM_NATS_MAX_BYTES "4096" is too small: at least 1048576 bytes/,
  );
});
