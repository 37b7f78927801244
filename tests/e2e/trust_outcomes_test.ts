/**
 * End-to-end: "delivered" means a talkie-walkie node acknowledged this message and handed it to
 * its session (issue "Delivered must mean the other session has it"). One real sender, alpha,
 * whose PEERS are fakes that are not nodes (a web page, `{"ok":false}`, a redirect), a v2
 * node, a slow peer, a real node whose session has not connected, and a plain-HTTP node
 * written as https://.
 */

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { FakePeer } from "../support/fake_peer.ts";
import { reportsIn } from "../support/delivery_peers.ts";
import { freePorts, NodeProcess, randomSecret, resultText, waitFor } from "../support/harness.ts";

describe("delivery outcomes you can trust", () => {
  const secret = randomSecret();
  let alpha: NodeProcess, late: NodeProcess;
  let page: FakePeer, notOk: FakePeer, moved: FakePeer, v2: FakePeer, slow: FakePeer;

  before(async () => {
    [page, notOk, moved, v2, slow] = await Promise.all([
      FakePeer.start("page", () => ({ status: 200, raw: "<html><body>Sign in</body></html>" })),
      FakePeer.start("notok", () => ({ status: 200, body: { ok: false } })),
      FakePeer.start("moved", () => ({
        status: 302,
        headers: { location: "https://login.example.invalid/" },
      })),
      // A v2 node: {"ok":true} without an id, and no signatures in /health.
      FakePeer.start("v2", () => ({ status: 200, body: { ok: true } }), { signatures: false }),
      // The first attempt of the first message fails slowly; all else goes straight through.
      FakePeer.start("slow", (attempt, id) => {
        slowFirst ??= id;
        return attempt === 1 && id === slowFirst
          ? { status: 503, delayMs: 1_500, body: { ok: false, error: "warming up" } }
          : { status: 200 };
      }),
    ]);
    const [a, l, plain] = await freePorts(3);
    alpha = NodeProcess.spawn({
      role: "alpha",
      port: a,
      secret,
      peers: {
        page: page.port,
        notok: notOk.port,
        moved: moved.port,
        v2: v2.port,
        slow: slow.port,
        late: l,
        plain: `https://127.0.0.1:${plain}`,
      },
    });
    // "late" is a real node whose Claude session has not connected yet.
    late = NodeProcess.spawn({ role: "late", port: l, secret, peers: { alpha: a } });
    // A plain-HTTP node at the port alpha reaches with https://.
    plainNode = NodeProcess.spawn({ role: "plain", port: plain, secret, peers: { alpha: a } });
    await Promise.all([alpha.waitListening(), late.waitListening(), plainNode.waitListening()]);
    await alpha.connect();
  });
  let plainNode: NodeProcess;
  let slowFirst: string | undefined;

  after(async () => {
    await Promise.all([alpha?.stop(), late?.stop(), plainNode?.stop()]);
    await Promise.all([page, notOk, moved, v2, slow].map((f) => f?.close()));
  });

  const send = async (to: string, message: string) =>
    await alpha.session.call("send_message", { to, message });

  test("a web page, {ok:false} and a redirect are refusals that say what answered", async () => {
    const pageResult = await send("page", "hello?");
    assert.equal(pageResult.isError, true);
    assert.match(
      resultText(pageResult),
      /Refused by "page" .*: HTTP 200: answered HTTP 200 but not as a talkie-walkie node: check that PEERS names the node itself/,
    );
    const notOkResult = await send("notok", "hello?");
    assert.equal(notOkResult.isError, true);
    assert.match(resultText(notOkResult), /not as a talkie-walkie node/);
    const movedResult = await send("moved", "hello?");
    assert.equal(movedResult.isError, true);
    assert.match(
      resultText(movedResult),
      /redirects to https:\/\/login\.example\.invalid\/ \(HTTP 302\); redirects are not followed/,
    );
    // Refusals are final: no retries reach the fakes.
    assert.equal(page.posts.length, 1);
    assert.equal(moved.posts.length, 1);
  });

  test("a v2 node's {ok:true} without an id is still delivered", async () => {
    const r = await send("v2", "hello, v2");
    assert.equal(r.isError, undefined, resultText(r));
    assert.match(resultText(r), /^Delivered to "v2"/);
  });

  test("a first attempt that fails slowly stays at the head of its peer's queue", async () => {
    const first = send("slow", "one");
    await waitFor(() => slow.posts.length === 1, "the first POST at slow");
    const rest = [send("slow", "two"), send("slow", "three")];
    const results = await Promise.all([first, ...rest]);
    for (const r of results) assert.equal(r.isError, undefined, resultText(r));
    assert.match(resultText(results[0]), /Queued for "slow".*warming up/);
    await waitFor(
      () => slow.posts.filter((p) => p.status === 200).length === 3,
      "three delivered POSTs at slow",
      15_000,
    );
    const texts = slow.posts.filter((p) => p.status === 200).map((p) => JSON.parse(p.body).message);
    assert.deepEqual(texts, ["one", "two", "three"]);
  });

  test("a node whose session has not connected is not 'delivered': queued, then delivered", async () => {
    const before = alpha.session.events.length;
    const r = await send("late", "are you there?");
    assert.equal(r.isError, undefined, resultText(r));
    assert.match(resultText(r), /Queued for "late".*Claude session has not connected yet/);
    // A webhook (unsigned) is held by the node itself, and told so.
    const hook = await fetch(`${late.url}/message`, {
      method: "POST",
      headers: { "x-intercom-secret": secret, "content-type": "text/plain" },
      body: "build failed",
    });
    assert.equal(hook.status, 202);
    assert.equal((await hook.json()).held, true);
    const session = await late.connect();
    const events = await session.waitForEvents(2, { timeoutMs: 15_000 });
    assert.deepEqual(events.map((e) => e.content).sort(), ["are you there?", "build failed"]);
    const reports = await waitFor(
      () => {
        const found = reportsIn(alpha.session.events.slice(before)).filter((x) =>
          x.peer === "late"
        );
        return found.length >= 1 && found;
      },
      "alpha's delivery report for late",
      15_000,
    );
    assert.deepEqual(reports.map((x) => [x.peer, x.outcome]), [["late", "delivered"]]);
  });

  test("https:// to a plain-HTTP node is refused at once with the fix, not retried", async () => {
    const r = await send("plain", "over TLS?");
    assert.equal(r.isError, true);
    assert.match(
      resultText(r),
      /the peer does not speak HTTPS at https:\/\/127\.0\.0\.1:\d+ \(a plain-HTTP node\?\): write its address with http:\/\//,
    );
    const peers = resultText(await alpha.session.call("list_peers"));
    assert.doesNotMatch(peers.split("\n").find((l) => l.startsWith("- plain "))!, /queued/);
  });

  test("a node exits when its stdout is closed, and says why", async () => {
    const lonely = NodeProcess.spawn({
      role: "lonely",
      port: (await freePorts(1))[0],
      secret,
      peers: { alpha: 1 },
    });
    await lonely.waitListening();
    await lonely.connect();
    lonely.child.stdout!.destroy();
    // The session is gone for good once stdout is: a message now cannot reach it.
    await fetch(`${lonely.url}/message`, {
      method: "POST",
      headers: { "x-intercom-secret": secret, "content-type": "text/plain" },
      body: "anyone?",
    }).catch(() => undefined);
    const exit = await lonely.waitExit(15_000);
    assert.equal(exit.code, 0, JSON.stringify(exit));
    assert.match(lonely.stderr, /stopping \(stdout closed\)/);
  });
});
