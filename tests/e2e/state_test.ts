/**
 * End-to-end: a spawned node keeps its state where the harness put it and nowhere else, shares
 * Deno's cache with the test run (no compile cache of its own), and its state goes when it ends.
 */

import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { freePorts, NodeProcess, randomSecret, sharedDenoDir } from "../support/harness.ts";

test("a spawned node's state location holds its state only and is removed when it ends", async () => {
  const [port] = await freePorts(1);
  const node = NodeProcess.spawn({ role: "keeper", port, secret: randomSecret() });
  try {
    await node.waitListening();
    await node.connect();
    const r = await fetch(`${node.url}/message`, {
      method: "POST",
      headers: { "x-intercom-secret": node.secret, "content-type": "application/json" },
      body: JSON.stringify({ from: "ci", message_id: "build-1", message: "build 1 failed" }),
    });
    assert.equal(r.status, 200, await r.text());
    // The delivered id is kept in the node's own store; Deno's compile cache is not in its
    // cache directory.
    const state = join(node.stateDir, "state", "claude-talkie-walkie");
    assert.ok(readdirSync(state).includes("keeper.db"), readdirSync(state).join());
    assert.equal(existsSync(join(node.stateDir, "cache", "deno")), false);
    assert.ok(existsSync(sharedDenoDir()), "the shared Deno cache exists");
  } finally {
    await node.stop();
  }
  assert.equal(existsSync(node.stateDir), false, "the state location is removed");
});
