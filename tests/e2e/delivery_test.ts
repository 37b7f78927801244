/**
 * End-to-end: delivery you can trust (issue 6), with real node processes and fake peers.
 *
 * - alpha sends; its PEERS are beta (a real node, stopped and restarted), flaky (500, 500,
 *   200), busy (429 with Retry-After: 1, then 200), tiny (413) and locked (401), the last four
 *   fakes from {@linkcode FakePeer}.
 * - expiring has INTERCOM_RETRY_WINDOW=1.5 and one peer, gone, where nobody ever listens.
 * - bounded has INTERCOM_OUTBOX_MAX_MESSAGES=2 and the same absent peer; it is stopped last
 *   with two messages queued.
 * - delta receives raw POSTs (duplicates) and serves /events for resumption; its
 *   INTERCOM_RATE_LIMIT=0 lets 300 messages from one sender through.
 */

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FakePeer } from "../support/fake_peer.ts";
import { assertReport, messageIdOf, reportsIn, startFakePeers } from "../support/delivery_peers.ts";
import {
  freePorts,
  jsonRpcProblems,
  NodeProcess,
  randomSecret,
  readSse,
  resultText,
  type SseEvent,
  SseStream,
  waitFor,
} from "../support/harness.ts";

describe("delivery you can trust", () => {
  const secret = randomSecret();
  let ports: {
    alpha: number;
    beta: number;
    expiring: number;
    bounded: number;
    delta: number;
    gone: number;
  };
  let alpha: NodeProcess, beta: NodeProcess, expiring: NodeProcess, bounded: NodeProcess;
  let delta: NodeProcess;
  let betaAgain: NodeProcess | undefined;
  let flaky: FakePeer, busy: FakePeer, tiny: FakePeer, locked: FakePeer;

  before(async () => {
    const [a, b, e, bo, d, g] = await freePorts(6);
    ports = { alpha: a, beta: b, expiring: e, bounded: bo, delta: d, gone: g };
    [flaky, busy, tiny, locked] = await startFakePeers();
    alpha = NodeProcess.spawn({
      role: "alpha",
      port: a,
      secret,
      peers: {
        beta: b,
        flaky: flaky.port,
        busy: busy.port,
        tiny: tiny.port,
        locked: locked.port,
      },
    });
    beta = NodeProcess.spawn({ role: "beta", port: b, secret, peers: { alpha: a } });
    expiring = NodeProcess.spawn({
      role: "expiring",
      port: e,
      secret,
      peers: { gone: g },
      env: { INTERCOM_RETRY_WINDOW: "1.5" },
    });
    bounded = NodeProcess.spawn({
      role: "bounded",
      port: bo,
      secret,
      peers: { gone: g },
      env: { INTERCOM_OUTBOX_MAX_MESSAGES: "2" },
    });
    delta = NodeProcess.spawn({
      role: "delta",
      port: d,
      secret,
      peers: { alpha: a },
      env: { INTERCOM_RATE_LIMIT: "0" },
    });
    const nodes = [alpha, beta, expiring, bounded, delta];
    await Promise.all(nodes.map((n) => n.waitListening()));
    await Promise.all(nodes.map((n) => n.connect()));
  });

  after(async () => {
    await Promise.all(
      [alpha, beta, betaAgain, expiring, bounded, delta].map((n) => n?.stop()),
    );
    await Promise.all([flaky, busy, tiny, locked].map((f) => f?.close()));
  });

  test("messages to a stopped peer are queued, then arrive once, in order, with reports", async () => {
    await beta.stop();
    const reportsFrom = alpha.session.events.length;
    const sent: { id: string; content: string }[] = [];
    for (const [i, content] of ["first while away", "second while away", "third"].entries()) {
      const result = await alpha.session.call("send_message", { to: "beta", message: content });
      const text = resultText(result);
      assert.equal(result.isError, undefined, text);
      assert.match(
        text,
        new RegExp(`^Queued for "beta" \\(http://127\\.0\\.0\\.1:${ports.beta}\\)`),
      );
      assert.match(
        text,
        i === 0 ? /not delivered yet: connection refused/ : new RegExp(
          `not delivered yet: ${i} earlier message\\(s\\) are still queued ` +
            `\\(connection refused\\)`,
        ),
      );
      assert.match(text, /retried for up to 10 min/);
      assert.match(text, /delivery_report/);
      sent.push({ id: messageIdOf(text), content });
    }
    assert.equal(new Set(sent.map((s) => s.id)).size, 3, "three distinct ids");

    const peers = resultText(await alpha.session.call("list_peers"));
    const line = peers.split("\n").find((l) => l.startsWith("- beta "));
    assert.ok(line, peers);
    assert.match(line, /offline: connection refused; 3 queued, last error: connection refused$/);

    betaAgain = NodeProcess.spawn({
      role: "beta",
      port: ports.beta,
      secret,
      peers: { alpha: ports.alpha },
    });
    await betaAgain.waitListening();
    await betaAgain.connect();
    // Backoff after ~2 s of failures is at most a few seconds.
    const events = await betaAgain.session.waitForEvents(3, { timeoutMs: 15_000 });
    assert.deepEqual(
      events.map((e) => [e.meta?.message_id, e.content, e.meta?.from, e.meta?.to]),
      sent.map((s) => [s.id, s.content, "alpha", "beta"]),
    );
    // Reports that end together come folded into one event: one turn for Claude, not three.
    const reports = await waitFor(
      () => {
        const r = reportsIn(alpha.session.events.slice(reportsFrom));
        return r.length >= 3 && r;
      },
      "alpha's three delivery reports",
      10_000,
    );
    assert.deepEqual(
      reports.map((r) => [r.message_id, r.peer, r.outcome]),
      sent.map((s) => [s.id, "beta", "delivered"]),
    );
    for (const r of reports) assert.match(r.content, /was delivered after \d+ attempts? and/);
    // Nothing more. The queue is empty, so no retry and no report can follow; and a new
    // message, which goes behind anything still queued, is beta's next event: no second copy.
    const after = resultText(await alpha.session.call("list_peers"));
    assert.match(after, /- beta .*online \(\d+ ms\)$/m);
    assert.doesNotMatch(after.split("\n").find((l) => l.startsWith("- beta "))!, /queued/);
    const marker = await alpha.session.call("send_message", { to: "beta", message: "marker" });
    assert.match(resultText(marker), /Delivered to "beta"/, resultText(marker));
    const [next] = await betaAgain.session.waitForEvents(1, { from: 3 });
    assert.equal(next.content, "marker", JSON.stringify(betaAgain.session.events));
    assert.equal(betaAgain.session.events.length, 4);
    assert.equal(reportsIn(alpha.session.events.slice(reportsFrom)).length, 3);
    assert.deepEqual(alpha.session.errors.map(String), []);
  });

  test("a peer answering 500 twice then 200 gets the message once, and the sender hears", async () => {
    const reportsFrom = alpha.session.events.length;
    const result = await alpha.session.call("send_message", { to: "flaky", message: "steady" });
    const text = resultText(result);
    assert.equal(result.isError, undefined, text);
    assert.match(text, /Queued for "flaky" .*not delivered yet: flaky hiccup/);
    const id = messageIdOf(text);
    const [report] = await alpha.session.waitForEvents(1, { from: reportsFrom, timeoutMs: 8_000 });
    assertReport(report, { message_id: id, peer: "flaky", outcome: "delivered" });
    assert.equal(report.meta?.attempts, "3");
    // The fake records a POST before it answers, and the report follows the 200: all are in.
    // (How long each retry waits is the outbox's rule, tested on a hand-driven clock.)
    const posts = flaky.postsOf(id);
    assert.deepEqual(posts.map((p) => p.status), [500, 500, 200], "3 attempts, 1 accepted");
    assert.equal(flaky.posts.length, 3, "no other POSTs");
    // Every attempt is signed with the message id as webhook-id, so the peer can dedupe.
    for (const p of posts) assert.equal(p.headers["webhook-id"], id);
    assert.equal(alpha.session.events.length, reportsFrom + 1);
  });

  test("429 with Retry-After: 1 is retried later, then delivered", async () => {
    const reportsFrom = alpha.session.events.length;
    const result = await alpha.session.call("send_message", { to: "busy", message: "whenever" });
    const text = resultText(result);
    assert.equal(result.isError, undefined, text);
    assert.match(text, /Queued for "busy" .*not delivered yet: busy: try again in 1 s/);
    const id = messageIdOf(text);
    const [report] = await alpha.session.waitForEvents(1, { from: reportsFrom, timeoutMs: 10_000 });
    assertReport(report, { message_id: id, peer: "busy", outcome: "delivered" });
    // The wait itself is not measured across processes: client_test.ts reads Retry-After
    // into the outcome, and outbox_test.ts checks on a hand-driven clock that it is honoured.
    const posts = busy.postsOf(id);
    assert.deepEqual(posts.map((p) => p.status), [429, 200]);
  });

  test("a message to a peer that never returns expires and is reported with the last error", async () => {
    const result = await expiring.session.call("send_message", { to: "gone", message: "hello?" });
    const text = resultText(result);
    assert.equal(result.isError, undefined, text);
    assert.match(text, /Queued for "gone" .*not delivered yet: connection refused/);
    const id = messageIdOf(text);
    // Expiry comes when the 1.5 s window ends (outbox_test.ts checks when, on a hand-driven
    // clock); here the bound only catches a message that never expires.
    const [report] = await expiring.session.waitForEvents(1, { timeoutMs: 15_000 });
    assertReport(report, { message_id: id, peer: "gone", outcome: "expired" });
    assert.match(report.content, /expired undelivered/);
    assert.match(report.content, /last error: connection refused/);
    const peers = resultText(await expiring.session.call("list_peers"));
    // With the queue empty, nothing is left to report: this one report is all there will be.
    assert.doesNotMatch(peers, /queued/, "the queue is empty after expiry");
    assert.equal(expiring.session.events.length, 1, "one report only");
  });

  test("a peer answering 413 refuses: isError with the peer's reason, and nothing is queued", async () => {
    const result = await alpha.session.call("send_message", { to: "tiny", message: "too big" });
    const text = resultText(result);
    assert.equal(result.isError, true, text);
    assert.match(text, /^Refused by "tiny" /);
    assert.match(text, /HTTP 413/);
    assert.match(text, /Body is over 20 bytes: the message limit is 3 bytes/);
    const id = messageIdOf(text);
    // Only queued messages are retried, and nothing is queued: one POST is all there will be.
    const peers = resultText(await alpha.session.call("list_peers"));
    assert.doesNotMatch(peers.split("\n").find((l) => l.startsWith("- tiny "))!, /queued/);
    assert.equal(tiny.postsOf(id).length, 1, "not retried");
  });

  test("a peer answering 401 refuses: isError saying the secrets differ", async () => {
    const result = await alpha.session.call("send_message", { to: "locked", message: "let me in" });
    const text = resultText(result);
    assert.equal(result.isError, true, text);
    assert.match(text, /^Refused by "locked" .*wrong secret \(HTTP 401\)/);
    assert.match(text, /same\s+INTERCOM_SECRET/);
    const id = messageIdOf(text);
    // Only queued messages are retried, and nothing is queued: one POST is all there will be.
    const peers = resultText(await alpha.session.call("list_peers"));
    assert.doesNotMatch(peers.split("\n").find((l) => l.startsWith("- locked "))!, /queued/);
    assert.equal(locked.postsOf(id).length, 1, "not retried");
  });

  test("a repeated POST /message with the same message_id gives one channel event", async () => {
    const from = delta.session.events.length;
    const body = JSON.stringify({
      from: "tester",
      message: "exactly once",
      message_id: "msg_duplicate_e2e_1",
    });
    const post = () =>
      fetch(`${delta.url}/message`, {
        method: "POST",
        headers: { "X-Intercom-Secret": secret, "content-type": "application/json" },
        body,
      });
    const first = await post();
    assert.equal(first.status, 200);
    assert.deepEqual(await first.json(), { ok: true, message_id: "msg_duplicate_e2e_1" });
    const second = await post();
    assert.equal(second.status, 200);
    const answer = await second.json();
    assert.equal(answer.ok, true);
    assert.equal(answer.duplicate, true);
    assert.equal(answer.message_id, "msg_duplicate_e2e_1");
    // A new message after the duplicate is the next event: the duplicate raised none.
    const marker = await fetch(`${delta.url}/message`, {
      method: "POST",
      headers: { "X-Intercom-Secret": secret, "content-type": "text/plain" },
      body: "marker",
    });
    assert.equal(marker.status, 200);
    await marker.body?.cancel();
    const [event, next] = await delta.session.waitForEvents(2, { from });
    assert.equal(event.content, "exactly once");
    assert.equal(event.meta?.message_id, "msg_duplicate_e2e_1");
    assert.equal(next.content, "marker", "no second channel event");
  });

  test("/events resumes with Last-Event-ID: every missed event once, in order; too far back is reset", async () => {
    const auth = { "X-Intercom-Secret": secret };
    const post = async (message: string) => {
      const r = await fetch(`${delta.url}/message`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ from: "viewer-test", message }),
      });
      assert.equal(r.status, 200, await r.clone().text());
      await r.body?.cancel();
    };
    const connect = (lastEventId?: string) => {
      const controller = new AbortController();
      const response = fetch(`${delta.url}/events`, {
        headers: { ...auth, ...(lastEventId ? { "Last-Event-ID": lastEventId } : {}) },
        signal: controller.signal,
      });
      return { controller, response };
    };
    const recvs = (events: SseEvent[]) => events.filter((e) => e.event === "recv");
    const messages = (events: SseEvent[]) => recvs(events).map((e) => JSON.parse(e.data).message);

    // Connected: read the hello and two of three events, then drop the connection.
    const first = connect();
    const firstResponse = await first.response;
    assert.equal(firstResponse.status, 200);
    await post("m1");
    await post("m2");
    await post("m3");
    const seen = await readSse(firstResponse, (ev) => recvs(ev).length >= 2);
    first.controller.abort();
    assert.equal(seen[0].event, "hello");
    assert.equal(seen[0].id, undefined, "hello has no id");
    const seenTwo = recvs(seen).slice(0, 2);
    assert.deepEqual(seenTwo.map((e) => JSON.parse(e.data).message), ["m1", "m2"]);
    const lastId = seenTwo[1].id!;
    // `<boot>.<seq>`: the boot part names this run of the node.
    const [boot, lastSeqText] = lastId.split(".");
    assert.match(lastId, /^[0-9a-f]+\.\d+$/);
    const seq = (id: string | undefined) => Number(id!.split(".")[1]);

    // Disconnected: three more.
    await post("m4");
    await post("m5");
    await post("m6");

    // Reconnected from the last id seen: m3…m6, then a live m7 right after (so nothing twice).
    const second = connect(lastId);
    const secondResponse = await second.response;
    assert.equal(secondResponse.status, 200);
    const replayed = new SseStream(secondResponse);
    // m3…m6 replayed means the stream follows the hub: m7 now comes live.
    await replayed.until((ev) => recvs(ev).length >= 4);
    await post("m7");
    const resumed = await replayed.until((ev) => recvs(ev).length >= 5);
    await replayed.close();
    second.controller.abort();
    assert.equal(resumed[0].event, "hello");
    assert.deepEqual(resumed.filter((e) => e.event === "reset"), []);
    assert.deepEqual(messages(resumed), ["m3", "m4", "m5", "m6", "m7"]);
    const ids = recvs(resumed).map((e) => seq(e.id));
    const base = Number(lastSeqText);
    assert.deepEqual(ids, [base + 1, base + 2, base + 3, base + 4, base + 5], "consecutive ids");
    const m7 = base + 5;

    // 300 more: m7 falls out of the 256-event history.
    for (let i = 0; i < 300; i += 25) {
      await Promise.all(Array.from({ length: 25 }, (_, j) => post(`flood ${i + j}`)));
    }
    const lastSeq = m7 + 300;

    // Exactly 256 behind: still replayed whole, without a reset.
    const edge = connect(`${boot}.${lastSeq - 256}`);
    const edgeEvents = await readSse(await edge.response, (ev) => recvs(ev).length >= 256);
    edge.controller.abort();
    assert.deepEqual(edgeEvents.filter((e) => e.event === "reset"), []);
    const edgeIds = recvs(edgeEvents).map((e) => seq(e.id));
    assert.equal(edgeIds[0], lastSeq - 255);
    assert.equal(edgeIds.at(-1), lastSeq);
    assert.equal(new Set(edgeIds).size, 256, "no event twice");

    // 257 behind, and the id of m7: a reset, then live events.
    for (const old of [lastSeq - 257, m7]) {
      const stale = connect(`${boot}.${old}`);
      const staleResponse = await stale.response;
      const reading = new SseStream(staleResponse);
      await reading.until((ev) => ev.some((e) => e.event === "reset"));
      await post(`after reset from ${old}`);
      const staleEvents = await reading.until((ev) => ev.some((e) => e.event === "recv"));
      await reading.close();
      stale.controller.abort();
      assert.deepEqual(
        staleEvents.map((e) => e.event),
        ["hello", "reset", "recv"],
        `Last-Event-ID ${old}: ${JSON.stringify(staleEvents.slice(0, 4))}`,
      );
      assert.equal(JSON.parse(staleEvents[2].data).message, `after reset from ${old}`);
    }
  });

  test("a full outbox refuses the next message with a clear error", async () => {
    const outcomes = [];
    for (const message of ["one", "two", "three"]) {
      const result = await bounded.session.call("send_message", { to: "gone", message });
      outcomes.push({ isError: result.isError, text: resultText(result) });
    }
    assert.equal(outcomes[0].isError, undefined, outcomes[0].text);
    assert.match(outcomes[0].text, /^Queued for "gone"/);
    assert.equal(outcomes[1].isError, undefined, outcomes[1].text);
    assert.match(outcomes[1].text, /^Queued for "gone"/);
    assert.equal(outcomes[2].isError, true, outcomes[2].text);
    // Refused here, by this node's full outbox, not by the peer.
    assert.match(outcomes[2].text, /^Not sent to "gone"/);
    assert.match(outcomes[2].text, /the outbox is full \(2 messages, \d+ bytes queued/);
    messageIdOf(outcomes[2].text);
    const peers = resultText(await bounded.session.call("list_peers"));
    assert.match(peers, /- gone .*; 2 queued, last error: connection refused/);
  });

  test("shutdown with queued messages says how many wait for the next start, and for whom", async () => {
    const exit = await bounded.stop();
    assert.equal(exit.code, 0, bounded.stderr);
    assert.match(
      bounded.stderr,
      /2 queued message\(s\) to "gone" wait in \S+bounded\.db for the next start/,
    );
    for (const n of [alpha, expiring, delta, betaAgain!]) {
      assert.deepEqual(jsonRpcProblems(n.stdoutLines), [], n.role);
      assert.deepEqual(n.session.errors.map(String), [], n.role);
    }
  });
});
