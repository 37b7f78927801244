import { test } from "node:test";
import assert from "node:assert/strict";
import { netnsSkip } from "./netbed.ts";

test("netnsSkip says why namespaces cannot be made, and fails under CI unless .ci/run said why", () => {
  assert.equal(netnsSkip({}, false), false);
  assert.equal(netnsSkip({ CI: "true" }, false), false);
  assert.equal(netnsSkip({}, "not root"), "network namespaces cannot be made here: not root");
  assert.throws(() => netnsSkip({ CI: "true" }, "not root"), /expected under CI: not root/);
  assert.equal(
    netnsSkip({ CI: "true", NETNS_UNAVAILABLE: "no root on this runner" }, "not root"),
    "network namespaces cannot be made here: not root (no root on this runner)",
  );
});
