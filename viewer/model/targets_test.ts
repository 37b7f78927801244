import assert from "node:assert/strict";
import { test } from "node:test";
import { newLocalTargets, parseTargets, resolveTargets } from "./targets.ts";

test("parseTargets reads name=host[:port] like PEERS, https and ngrok included", () => {
  assert.deepEqual(parseTargets(["backend=10.0.0.6:8788", "web=abc.ngrok-free.app", " x=h "]), [
    { name: "backend", url: "http://10.0.0.6:8788" },
    { name: "web", url: "https://abc.ngrok-free.app" },
    { name: "x", url: "http://h:8788" },
  ]);
});

test("parseTargets names the entry it cannot read", () => {
  assert.throws(() => parseTargets(["back end"]), /"back end" may only contain/);
  assert.throws(() => parseTargets(["operator"]), /"operator" is reserved/);
  assert.throws(() => parseTargets(["=10.0.0.1"]), /empty name/);
  assert.throws(() => parseTargets(["a=h", "a=i"]), /given twice/);
  assert.throws(() => parseTargets(["a=ftp://h"]), /Node "a=ftp:\/\/h": unsupported scheme/);
});

test("resolveTargets prefers arguments over the environment", () => {
  const env = { PEERS: "b=host-b", MY_ROLE: "me" };
  assert.deepEqual(resolveTargets(["a=host-a"], env).map((t) => t.name), ["a"]);
});

test("resolveTargets reads PEERS and adds this machine's node when MY_ROLE is set", () => {
  assert.deepEqual(resolveTargets([], { PEERS: "b=host-b, c=host-c:9000", MY_ROLE: "me" }), [
    { name: "me", url: "http://127.0.0.1:8788" },
    { name: "b", url: "http://host-b:8788" },
    { name: "c", url: "http://host-c:9000" },
  ]);
  const own = resolveTargets([], { MY_ROLE: "me", INTERCOM_PORT: "9100" });
  assert.deepEqual(own, [{ name: "me", url: "http://127.0.0.1:9100" }]);
  assert.deepEqual(resolveTargets([], { PEERS: "me=h", MY_ROLE: "me" }).length, 1);
  assert.deepEqual(resolveTargets([], {}), []);
});

test("parseTargets refuses the operator's reserved name", () => {
  assert.throws(() => parseTargets(["operator=127.0.0.1"]), /reserved for the human operator/);
});

test("parseTargets keeps a bare name as a node of this machine, looked up later", () => {
  assert.deepEqual(parseTargets(["backend", "tester=10.0.0.7", "backend"]), [
    { name: "backend" },
    { name: "tester", url: "http://10.0.0.7:8788" },
  ]);
  assert.deepEqual(
    resolveTargets([], { PEERS: "backend", MY_ROLE: "ops", INTERCOM_PORT: "auto" }),
    [{ name: "ops" }, { name: "backend" }],
  );
});

test("newLocalTargets adds the registry's roles not watched yet, in name order", () => {
  assert.deepEqual(newLocalTargets(["tester"], ["tester", "docs", "backend", "docs", "a b"]), [
    { name: "backend" },
    { name: "docs" },
  ]);
});
