/**
 * End-to-end on a real nats-server: a client allowed to subscribe to every subject of a shared
 * or hosted broker sees all the mesh's traffic, and never the text of a direct, broadcast or
 * stored message, of a status line, or of the events the nodes publish for `viewer --nats`.
 * The sessions, and a viewer with the mesh secret, get everything.
 */

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { randomSecret, resultText } from "../support/harness.ts";
import { natsSkip, poll, useBrokerMesh } from "../support/nats.ts";
import { connectViewer, followMesh, viewerNatsConfig } from "../../viewer/sources/nats.ts";
import type { ViewerEvent } from "../../viewer/model/state.ts";

const skip = natsSkip();
const secret = randomSecret();
const mesh = useBrokerMesh(skip, { secret, env: { INTERCOM_NATS_DURABLE: "1" } });
let spy: NatsConnection | undefined;
const seen: string[] = [];

before(async () => {
  if (skip) return;
  spy = await connect({ servers: mesh.url });
  const decoder = new TextDecoder();
  // Everything on the broker but other clients' reply inboxes: a subscriber to `_INBOX.>`
  // stalls JetStream pull consumers (stored messages then wait), and replies carry answers only.
  for (const subject of ["talkie.>", "$KV.>", "$JS.>"]) {
    spy.subscribe(subject, {
      callback: (_, m) => {
        const headers = m.headers ? [...m.headers.keys()].map((k) => m.headers!.get(k)) : [];
        seen.push(`${m.subject} ${headers.join(" ")} ${decoder.decode(m.data)}`);
      },
    });
  }
  await spy.flush();
});
after(() => spy?.close());

test("a subscriber to > reads no text of any kind", { skip }, async () => {
  const alice = await mesh.start("alice");
  const bob = await mesh.start("bob");
  const carol = await mesh.start("carol");
  const direct = await alice.session.call("send_message", { to: "bob", message: "direct plum" });
  assert.match(resultText(direct), /Delivered/);
  assert.doesNotMatch(resultText(direct), /unencrypted/);
  const all = await alice.session.call("broadcast_message", { message: "broadcast plum" });
  assert.match(resultText(all), /Delivered to "bob"/);
  await carol.session.call("set_status", { text: "status plum" });
  await bob.session.waitForEvents(2);
  assert.deepEqual(bob.session.events.map((e) => e.content), ["direct plum", "broadcast plum"]);
  assert.equal((await carol.session.waitForEvents(1))[0].content, "broadcast plum");

  // Stored while bob is away, delivered when he is back.
  await bob.stop();
  const stored = await alice.session.call("send_message", { to: "bob", message: "stored plum" });
  assert.match(resultText(stored), /Stored for "bob"/);
  const back = await mesh.start("bob");
  assert.equal(
    (await back.session.waitForEvents(1, { timeoutMs: 15_000 }))[0].content,
    "stored plum",
  );

  // A viewer with the mesh secret reads the events the nodes published.
  const nc = await connectViewer(viewerNatsConfig(mesh.url, {}, () => ""));
  const events: ViewerEvent[] = [];
  const stop = new AbortController();
  const following = followMesh(nc, "talkie", {
    signal: stop.signal,
    onEvent: (e) => events.push(e),
    secret,
  });
  try {
    await poll(
      () =>
        Promise.resolve(
          events.some((e) => e.type === "message" && e.envelope.message === "stored plum") ||
            undefined,
        ),
      "the stored message in the viewer's history",
      15_000,
    );
  } finally {
    stop.abort();
    await following;
  }

  await spy!.flush();
  const subjects = new Set(seen.map((s) => s.split(" ")[0]));
  // The spy saw the traffic: messages, stored messages, events.
  for (const s of ["talkie.bob", "talkie.inbox.bob", "talkie.events.alice"]) {
    assert.ok(subjects.has(s), `the spy saw ${s}: ${[...subjects].join(", ")}`);
  }
  const leaked = seen.filter((s) => s.includes("plum"));
  assert.deepEqual(leaked, [], "the spy read text");
});
