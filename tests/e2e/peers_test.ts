/**
 * End-to-end: list_peers and tool failures against real peers that are live, down, answer as
 * another role, or hold another secret. Every failure must be an `isError` tool result.
 *
 * alpha's PEERS: beta (live), gamma (nobody listens), impostor (beta's address, so it answers
 * as "beta"), locked (a node with another secret). gamma comes up late, to take what alpha
 * queued for it.
 */

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { reportsIn } from "../support/delivery_peers.ts";
import {
  freePorts,
  jsonRpcProblems,
  META_KEY,
  NodeProcess,
  randomSecret,
  resultText,
  waitFor,
} from "../support/harness.ts";

/** The message_id a tool result reports. */
function messageIdOf(text: string): string {
  const m = text.match(/message_id (\S+)/);
  assert.ok(m, `result names a message_id: ${text}`);
  return m[1];
}

describe("list_peers and tool errors", () => {
  let alpha: NodeProcess, beta: NodeProcess, locked: NodeProcess;
  let gamma: NodeProcess | undefined;
  let secret: string;
  /** Messages alpha queued for gamma while it was down, in order. */
  const queuedForGamma: { id: string; content: string }[] = [];
  let ports: { alpha: number; beta: number; gamma: number; locked: number };
  before(async () => {
    const [a, b, g, l] = await freePorts(4);
    ports = { alpha: a, beta: b, gamma: g, locked: l };
    secret = randomSecret();
    alpha = NodeProcess.spawn({
      role: "alpha",
      port: a,
      secret,
      peers: { beta: b, gamma: g, impostor: b, locked: l },
    });
    beta = NodeProcess.spawn({ role: "beta", port: b, secret, peers: { alpha: a } });
    locked = NodeProcess.spawn({
      role: "locked",
      port: l,
      secret: randomSecret(),
      peers: { alpha: a },
    });
    await Promise.all([alpha, beta, locked].map((n) => n.waitListening()));
    await Promise.all([alpha.connect(), beta.connect()]);
  });
  after(async () => {
    await Promise.all([alpha, beta, locked, gamma].map((n) => n?.stop()));
  });

  test("list_peers shows our role and address, then each peer's live status", async () => {
    const result = await alpha.session.call("list_peers");
    const text = resultText(result);
    assert.equal(result.isError, undefined, text);
    assert.match(text, new RegExp(`"alpha", listening on http://127\\.0\\.0\\.1:${ports.alpha}`));
    const line = (name: string) => {
      const found = text.split("\n").find((l) => l.startsWith(`- ${name} `));
      assert.ok(found, `a line for ${name} in:\n${text}`);
      return found;
    };
    assert.match(line("beta"), new RegExp(`127\\.0\\.0\\.1:${ports.beta}\\s+online \\(\\d+ ms\\)`));
    assert.match(line("locked"), /online \(\d+ ms\)/, "/health needs no secret");
    assert.match(line("locked"), /INTERCOM_SECRET differs: messages will be refused \(401\)/);
    assert.doesNotMatch(line("beta"), /differs/);
    assert.match(line("gamma"), new RegExp(`127\\.0\\.0\\.1:${ports.gamma}\\s+offline: \\S`));
    assert.match(line("gamma"), /connection refused/);
    assert.match(line("impostor"), /wrong role: answers as "beta"/);
  });

  test("send_message to an unknown peer is an isError result listing the known peers", async () => {
    const result = await alpha.session.call("send_message", { to: "nobody", message: "hi" });
    const text = resultText(result);
    assert.equal(result.isError, true);
    assert.match(text, /Unknown peer "nobody"/);
    for (const name of ["beta", "gamma", "impostor", "locked"]) {
      assert.match(text, new RegExp(name));
    }
  });

  test("send_message to our own role is an isError result", async () => {
    const result = await alpha.session.call("send_message", { to: "alpha", message: "hi" });
    assert.equal(result.isError, true);
    assert.match(resultText(result), /own role/);
  });

  test("send_message without to among several peers asks which one", async () => {
    const result = await alpha.session.call("send_message", { message: "hi" });
    assert.equal(result.isError, true);
    assert.match(resultText(result), /"to"/);
  });

  test("send_message of an empty message is an isError result", async () => {
    const result = await alpha.session.call("send_message", { to: "beta", message: "  " });
    assert.equal(result.isError, true);
    assert.match(resultText(result), /empty/);
  });

  test("send_message to a peer that is down names its address and cause, and queues it", async () => {
    const result = await alpha.session.call("send_message", { to: "gamma", message: "hi gamma" });
    const text = resultText(result);
    // Queued for retry rather than failed: not an isError result, but it must say so plainly.
    assert.equal(result.isError, undefined, text);
    assert.match(text, new RegExp(`"gamma" \\(http://127\\.0\\.0\\.1:${ports.gamma}\\)`));
    assert.match(text, /not delivered yet: connection refused/);
    assert.match(text, /delivery_report/);
    queuedForGamma.push({ id: messageIdOf(text), content: "hi gamma" });
  });

  test("send_message to a peer with another secret says the secrets do not match", async () => {
    const n = locked.stderr.length;
    const result = await alpha.session.call("send_message", { to: "locked", message: "hi" });
    const text = resultText(result);
    assert.equal(result.isError, true, text);
    assert.match(text, /401/);
    assert.match(text, /wrong secret/i);
    assert.match(text, /INTERCOM_SECRET/);
    assert.equal(locked.stderr.slice(n).includes("hi"), false);
  });

  test("send_message to an address where another role answers is refused with 421", async () => {
    const n = beta.session.events.length;
    const result = await alpha.session.call("send_message", { to: "impostor", message: "psst" });
    const text = resultText(result);
    assert.equal(result.isError, true, text);
    assert.match(text, /421/);
    assert.match(text, /"beta", not "impostor"/);
    // A later message to beta on the same address arrives first: the refused one raised nothing.
    const marker = await alpha.session.call("send_message", { to: "beta", message: "marker" });
    assert.equal(marker.isError, undefined, resultText(marker));
    const [next] = await beta.session.waitForEvents(1, { from: n });
    assert.equal(next.content, "marker", "the wrong Claude got nothing");
  });

  test("broadcast_message reports each peer's outcome and delivers to the live one", async () => {
    const n = beta.session.events.length;
    const result = await alpha.session.call("broadcast_message", { message: "status?" });
    const text = resultText(result);
    assert.equal(result.isError, undefined, "partly delivered is not an error");
    assert.match(text, /Delivered to 1 of 4 peers, 1 queued, 2 refused/);
    assert.match(text, /- Delivered to "beta"/);
    assert.match(text, /- Queued for "gamma" .*not delivered yet/);
    assert.match(text, /- Refused by "impostor" .*421/);
    assert.match(text, /- Refused by "locked" .*wrong secret/);
    const [event] = await beta.session.waitForEvents(1, { from: n });
    assert.equal(event.content, "status?");
    queuedForGamma.push({ id: messageIdOf(text), content: "status?" });
  });

  test("broadcast_message that every peer refuses is an isError result", async () => {
    const result = await alpha.session.call("broadcast_message", {
      message: "anyone?",
      exclude: ["beta", "gamma"],
    });
    assert.equal(result.isError, true, resultText(result));
    assert.match(resultText(result), /Delivered to 0 of 2 peers, 2 refused/);
  });

  test("broadcast_message excluding an unknown name is an isError result", async () => {
    const result = await alpha.session.call("broadcast_message", {
      message: "hi",
      exclude: ["zeta"],
    });
    assert.equal(result.isError, true);
    assert.match(resultText(result), /Unknown peer "zeta"/);
  });

  test("queued messages reach a peer that comes up, in order, and the sender hears of it", async () => {
    const reportsBefore = alpha.session.events.length;
    gamma = NodeProcess.spawn({
      role: "gamma",
      port: ports.gamma,
      secret,
      peers: { alpha: ports.alpha },
    });
    await gamma.waitListening();
    await gamma.connect();
    const events = await gamma.session.waitForEvents(queuedForGamma.length, { timeoutMs: 15_000 });
    assert.deepEqual(
      events.map((e) => [e.meta?.message_id, e.content, e.meta?.from]),
      queuedForGamma.map((q) => [q.id, q.content, "alpha"]),
    );
    const reports = await waitFor(
      () => {
        const r = reportsIn(alpha.session.events.slice(reportsBefore));
        return r.length >= queuedForGamma.length && r;
      },
      "alpha's delivery reports",
      10_000,
    );
    assert.deepEqual(
      reports.map((r) => [r.message_id, r.peer, r.outcome]),
      queuedForGamma.map((q) => [q.id, "gamma", "delivered"]),
    );
    for (const event of alpha.session.events.slice(reportsBefore)) {
      for (const key of Object.keys(event.meta ?? {})) assert.match(key, META_KEY);
    }
    for (const r of reports) assert.match(r.content, /delivered/);
    const peers = resultText(await alpha.session.call("list_peers"));
    assert.match(peers, /- gamma .*online/);
    assert.doesNotMatch(peers, /queued/);
  });

  test("an unknown tool is an isError result, and the session keeps working after all that", async () => {
    const unknown = await alpha.session.call("no_such_tool");
    assert.equal(unknown.isError, true);
    assert.match(resultText(unknown), /no_such_tool/);
    const result = await alpha.session.call("send_message", { to: "beta", message: "still here" });
    assert.equal(result.isError, undefined, resultText(result));
    assert.equal(alpha.exit, undefined, "alpha still runs");
    assert.deepEqual(jsonRpcProblems(alpha.stdoutLines), []);
    assert.deepEqual(alpha.session.errors.map(String), []);
  });
});
