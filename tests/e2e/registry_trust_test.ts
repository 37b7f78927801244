/**
 * End-to-end: what the per-user registry of `INTERCOM_PORT=auto` is trusted for. A live node
 * that is stopped for a while (SIGSTOP, a swapped-out laptop) keeps its entry while another
 * starts; a node whose entry went missing writes it again; and an entry whose address answers
 * as another role (a v2-looking impostor) never receives the mesh secret.
 */

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { registerLocal } from "../../src/platform/local_registry.ts";
import { FakePeer } from "../support/fake_peer.ts";
import { NodeProcess, randomSecret, resultText, waitFor } from "../support/harness.ts";

describe("the local registry trusts a process, not an answer", () => {
  const secret = randomSecret();
  const base = mkdtempSync(join(tmpdir(), "ctw-registry-"));
  const dir = join(base, "registry");
  const nodes: NodeProcess[] = [];
  let impostor: FakePeer | undefined;
  const spawn = async (role: string, peers: string) => {
    const node = NodeProcess.spawn({
      role,
      port: 0,
      secret,
      env: { INTERCOM_PORT: "auto", PEERS: peers, INTERCOM_LOCAL_DIR: dir },
    });
    nodes.push(node);
    await node.waitForStderr(/registered "\w+" at http:\/\/127\.0\.0\.1:\d+/);
    await node.connect();
    return node;
  };
  let alpha: NodeProcess;
  before(async () => {
    alpha = await spawn("alpha", "beta");
  });
  after(async () => {
    for (const n of nodes) n.kill("SIGCONT");
    await Promise.all(nodes.map((n) => n.stop()));
    await impostor?.close();
    rmSync(base, { recursive: true, force: true });
  });

  test("a node stopped while another starts keeps its entry and is reached after", async () => {
    alpha.kill("SIGSTOP");
    let beta: NodeProcess;
    try {
      beta = await spawn("beta", "alpha");
      // beta's own probe of alpha times out as any check of a stopped node would.
      const peers = resultText(await beta.session.call("list_peers"));
      assert.match(peers, /- alpha .*offline/);
    } finally {
      alpha.kill("SIGCONT");
    }
    assert.ok(existsSync(join(dir, "alpha.json")), "alpha's entry is still there");
    const sent = await beta.session.call("send_message", { to: "alpha", message: "back?" });
    assert.equal(sent.isError, undefined, resultText(sent));
    assert.match(resultText(sent), /Delivered/);
  });

  test("a node whose entry went missing writes it again", async () => {
    rmSync(join(dir, "alpha.json"), { force: true });
    await waitFor(() => existsSync(join(dir, "alpha.json")), "alpha's entry again", 30_000);
    await alpha.waitForStderr(/registered "alpha" again/);
  });

  test("an entry that answers as another role never gets the secret", async () => {
    // A v2-looking server (no signatures) in the registry as "gamma", answering as "intruder".
    // It refuses as a node of another role would (421 Misdirected Request).
    impostor = await FakePeer.start("intruder", () => ({ status: 421 }), { signatures: false });
    registerLocal(dir, {
      role: "gamma",
      url: `http://127.0.0.1:${impostor.port}`,
      pid: process.pid,
      version: "x",
      started_at: new Date().toISOString(),
    });
    const delta = await spawn("delta", "gamma");
    await delta.session.call("send_message", { to: "gamma", message: "hi" });
    await waitFor(() => impostor!.posts.length > 0, "delta's POST at the impostor");
    for (const post of impostor.posts) {
      assert.equal(post.headers["x-intercom-secret"], undefined);
      assert.ok(!JSON.stringify(post).includes(secret));
    }
    const peers = resultText(await delta.session.call("list_peers"));
    assert.match(peers, /- gamma .*wrong role: answers as "intruder"/);
  });
});
