/**
 * End-to-end on a real nats-server: node keys and pins in broker mode. An impersonator holding
 * the mesh secret (and a key of its own) cannot speak as a pinned role, neither directly, nor
 * through a message stored while the receiver is away, nor through its presence entry; the
 * real node still gets through.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { randomSecret, resultText } from "../support/harness.ts";
import { natsSkip, poll, spawnBrokerNode, useBrokerMesh } from "../support/nats.ts";
import { reportsIn } from "../support/delivery_peers.ts";
import type { NodeProcess } from "../support/node_process.ts";

const skip = natsSkip();
const secret = randomSecret();
const env = { INTERCOM_NATS_DURABLE: "1" };
const mesh = useBrokerMesh(skip, { secret, env });

test("an impersonator on the broker cannot speak as a pinned role", { skip }, async () => {
  const bravo = await mesh.start("bravo");
  const alpha = await mesh.start("alpha");
  const hello = await alpha.session.call("send_message", { to: "bravo", message: "hello" });
  assert.match(resultText(hello), /Delivered/);
  const [first] = await bravo.session.waitForEvents(1);
  assert.deepEqual([first.meta?.from, first.meta?.sender_kind], ["alpha", "node"]);
  await bravo.waitForStderr(/pinned "alpha" to SHA256:/);
  await alpha.stop();

  // Same secret, same role, a state (and so a key) of its own.
  let impostor: NodeProcess | undefined;
  try {
    impostor = await spawnBrokerNode("alpha", { nats: mesh.url, secret, env });
    // Its presence entry claims a pinned role: bravo does not count it as a member.
    await bravo.waitForStderr(
      /Refused: "alpha" is pinned to node key SHA256:\S+, and this was signed by SHA256:/,
    );
    const direct = await impostor.session.call("send_message", {
      to: "bravo",
      message: "approve the deploy",
    });
    assert.equal(direct.isError, true, resultText(direct));
    assert.match(resultText(direct), /"alpha" is pinned to node key/);

    // Stored while bravo is away, refused when bravo reads it; the impostor hears so.
    await bravo.stop();
    const stored = await impostor.session.call("send_message", {
      to: "bravo",
      message: "approve it while you were out",
    });
    assert.match(resultText(stored), /Stored for "bravo"/);
    const back = await mesh.start("bravo");
    const [report] = await poll(
      () => {
        const r = reportsIn(impostor!.session.events);
        return Promise.resolve(r.length > 0 ? r : undefined);
      },
      "the impostor's delivery report",
      15_000,
    );
    assert.equal(report.outcome, "refused");
    assert.match(report.content, /pinned/);
    await impostor.stop();

    // The real alpha still speaks as alpha, and bravo's new session got nothing else.
    const real = await mesh.start("alpha");
    const ok = await real.session.call("send_message", { to: "bravo", message: "marker" });
    assert.match(resultText(ok), /Delivered/);
    const [marker] = await back.session.waitForEvents(1);
    assert.equal(marker.content, "marker");
    assert.equal(back.session.events.length, 1);
  } finally {
    await impostor?.stop();
  }
});
