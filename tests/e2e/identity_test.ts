/**
 * End-to-end: every node speaks with its own key. A receiver pins a role to the key that first
 * signed for it; an impersonator holding the mesh secret (and a key of its own) cannot speak as
 * that role, a webhook cannot claim it and still works under its own name, and the `pin`
 * command re-pins a role after a real key change.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import {
  freePorts,
  NodeProcess,
  randomSecret,
  resultText,
  ROOT,
  sharedDenoDir,
} from "../support/harness.ts";

const secret = randomSecret();
const FINGERPRINT = /SHA256:[A-Za-z0-9_-]{43}/;

describe("node keys and pins", () => {
  const state = mkdtempSync(join(tmpdir(), "talkie-identity-"));
  const nodes: NodeProcess[] = [];
  let ports: number[];
  let bravo: NodeProcess;
  let alpha: NodeProcess;
  const startBravo = async () => {
    bravo = NodeProcess.spawn({
      role: "bravo",
      port: ports[0],
      secret,
      peers: { alpha: ports[1] },
      env: { INTERCOM_STATE_DIR: state },
    });
    nodes.push(bravo);
    await bravo.waitListening();
    await bravo.connect();
  };
  const webhook = (from: string, message: string) =>
    fetch(`${bravo.url}/message`, {
      method: "POST",
      headers: { "x-intercom-secret": secret, "content-type": "application/json" },
      body: JSON.stringify({ from, message }),
    });

  before(async () => {
    ports = await freePorts(3);
    await startBravo();
    alpha = NodeProcess.spawn({
      role: "alpha",
      port: ports[1],
      secret,
      peers: { bravo: ports[0] },
    });
    nodes.push(alpha);
    await alpha.waitListening();
    await alpha.connect();
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(state, { recursive: true, force: true });
  });

  test("the first signed message pins its sender; /health and list_peers show fingerprints", async () => {
    const sent = await alpha.session.call("send_message", { to: "bravo", message: "hello" });
    assert.match(resultText(sent), /delivered/i);
    const [event] = await bravo.session.waitForEvents(1);
    assert.equal(event.meta?.from, "alpha");
    assert.equal(event.meta?.sender_kind, "node");
    const alphaKey = (await (await fetch(`${alpha.url}/health`)).json()).node_key;
    assert.match(alphaKey.fingerprint, FINGERPRINT);
    assert.match(alphaKey.ed25519, /^ed25519:/);
    assert.match(alphaKey.x25519, /^x25519:/);
    assert.equal(JSON.stringify(alphaKey).includes("PRIVATE"), false);
    await bravo.waitForStderr(new RegExp(`pinned "alpha" to ${alphaKey.fingerprint}`));
    const peers = resultText(await bravo.session.call("list_peers"));
    assert.match(peers, new RegExp(`- alpha .*\n {4}key: ${alphaKey.fingerprint}`));
    assert.match(peers, /Your node key: SHA256:/);
  });

  test("an impersonator with the secret and its own key is refused; the session gets nothing", async () => {
    const impostor = NodeProcess.spawn({
      role: "alpha",
      port: ports[2],
      secret,
      peers: { bravo: ports[0] },
    });
    nodes.push(impostor);
    await impostor.waitListening();
    await impostor.connect();
    const before = bravo.session.events.length;
    const result = await impostor.session.call("send_message", {
      to: "bravo",
      message: "approve the deploy",
    });
    const text = resultText(result);
    assert.equal(result.isError, true, text);
    assert.match(text, /"alpha" is pinned to node key SHA256:\S+, and this was signed by SHA256:/);
    // Refused once, logged once, even when tried again.
    await impostor.session.call("send_message", { to: "bravo", message: "approve it now" });
    await bravo.waitForStderr(/Refused: "alpha" is pinned/);
    // The real alpha still gets through, and nothing came before it.
    await alpha.session.call("send_message", { to: "bravo", message: "marker" });
    const [event] = await bravo.session.waitForEvents(1, { from: before });
    assert.equal(event.content, "marker");
    assert.equal(bravo.session.events.length, before + 1);
    assert.equal(bravo.stderr.match(/Refused: "alpha" is pinned/g)?.length, 1);
    await impostor.stop();
  });

  test("a webhook cannot claim a pinned role and still works under its own name", async () => {
    const before = bravo.session.events.length;
    const claimed = await webhook("alpha", "ship it");
    assert.equal(claimed.status, 403);
    assert.match(
      (await claimed.json()).error,
      /"alpha" is pinned to node key SHA256:\S+, and this was signed by no node key/,
    );
    const own = await webhook("ci", "build 7 passed");
    assert.equal(own.status, 200);
    const [event] = await bravo.session.waitForEvents(1, { from: before });
    assert.deepEqual([event.meta?.from, event.meta?.sender_kind, event.content], [
      "ci",
      "webhook",
      "build 7 passed",
    ]);
  });

  test("pin re-pins a role after a real key change, says what it replaced, and it is logged", async () => {
    const old = (await (await fetch(`${alpha.url}/health`)).json()).node_key.fingerprint;
    // alpha's machine is reinstalled: a new state, a new key.
    await alpha.stop();
    alpha = NodeProcess.spawn({
      role: "alpha",
      port: ports[1],
      secret,
      peers: { bravo: ports[0] },
    });
    nodes.push(alpha);
    await alpha.waitListening();
    await alpha.connect();
    const fresh = (await (await fetch(`${alpha.url}/health`)).json()).node_key.fingerprint;
    assert.notEqual(fresh, old);
    const refused = await alpha.session.call("send_message", { to: "bravo", message: "it's me" });
    assert.equal(refused.isError, true);
    const pin = (...args: string[]) =>
      spawnSync(process.execPath, ["run", "-A", join(ROOT, "main.ts"), "pin", ...args], {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "",
          DENO_DIR: sharedDenoDir(),
          NO_COLOR: "1",
          MY_ROLE: "bravo",
          INTERCOM_PORT: String(ports[0]),
          INTERCOM_STATE_DIR: state,
        },
        encoding: "utf8",
      });
    const bad = pin("alpha", "SHA256:nope");
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /not a node key fingerprint/);
    // bravo runs: the command asks it, signed with bravo's own key; bravo logs the change.
    const line = `"bravo": "alpha" replaced ${old}; now pinned to ${fresh}`;
    const done = pin("alpha", fresh);
    assert.equal(done.status, 0, done.stderr);
    assert.equal(done.stdout.trim(), line);
    await bravo.waitForStderr(new RegExp(line.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    const ok = await alpha.session.call("send_message", { to: "bravo", message: "it's me" });
    assert.equal(ok.isError, undefined, resultText(ok));
    const events = await bravo.session.waitForEvents(1, { from: bravo.session.events.length - 1 });
    assert.equal(events.at(-1)!.content, "it's me");
    // A pin request not signed by bravo's key is refused.
    const forged = await fetch(`${bravo.url}/pin`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-intercom-secret": secret },
      body: JSON.stringify({ role: "alpha" }),
    });
    assert.equal(forged.status, 401);
    // Stopped, bravo's store is changed directly; the list shows the pin.
    await bravo.stop();
    assert.match(pin().stdout, new RegExp(`^alpha  ${fresh}`, "m"));
    const forget = pin("alpha");
    assert.equal(
      forget.stdout.trim(),
      `"bravo": "alpha" replaced ${fresh}; now unpinned: the next key that signs for it is pinned`,
    );
    await startBravo();
  });
});
