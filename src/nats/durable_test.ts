import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Envelope } from "../core/envelope.ts";
import { signatureKey, signHeaders } from "../core/signature.ts";
import type { SessionDelivery } from "../node/channel.ts";
import { waitFor } from "../../tests/support/harness.ts";
import { NatsServer, natsSkip, poll } from "../../tests/support/nats.ts";
import { testReceiver } from "../../tests/support/receiver.ts";
import { DurableInbox, type WireReport } from "./durable.ts";
import { consumeReports } from "./reports.ts";
import { meshNames } from "./subjects.ts";

const skip = natsSkip();
let server: NatsServer | undefined;
let nc: NatsConnection;
const key = signatureKey("a-long-random-secret-for-tests");
const inboxes: DurableInbox[] = [];

before(async () => {
  if (skip) return;
  server = await NatsServer.start();
  nc = await connect({ servers: server.url });
});

after(async () => {
  for (const d of inboxes) d.close();
  await nc?.close();
  await server?.stop();
});

function signed(id: string, text: string, signWith = key) {
  const body = JSON.stringify({
    message_id: id,
    from: "alice",
    to: "bob",
    message: text,
    sent_at: new Date().toISOString(),
  });
  return {
    body,
    headers: signHeaders(signWith, { id, timestamp: Math.floor(Date.now() / 1000), body }),
  };
}

type Deliver = (envelope: Envelope) => Promise<SessionDelivery>;

function inbox(mesh: string, deliver: Deliver, logs: string[] = []) {
  const d = new DurableInbox({
    nc,
    names: meshNames(mesh),
    role: "bob",
    key,
    receiver: testReceiver({ key, deliver }),
    log: (l) => logs.push(l),
  });
  inboxes.push(d);
  return d;
}

const ok: Deliver = () => Promise.resolve("delivered");

test("stored messages wait, count as backlog, and are stored once per id", { skip }, async () => {
  const d = inbox("d1", ok);
  await d.ensureStream();
  await d.ensureStream();
  const one = signed("m1", "one");
  const outcome = await d.keep("bob", one.body, one.headers, '"bob" is not online');
  assert.deepEqual(outcome, {
    ok: false,
    kind: "stored",
    reason: '"bob" is not online; it waits in the broker and is delivered when "bob" takes it',
    retryable: false,
  });
  await d.store("bob", one.body, one.headers);
  const two = signed("m2", "two");
  await d.store("bob", two.body, two.headers);
  assert.equal(await d.backlog("bob"), 2);
  assert.equal(await d.backlog("carol"), 0);
  // Another sender reusing an id is another message, not a duplicate to drop.
  const other = new DurableInbox({
    nc,
    names: meshNames("d1"),
    role: "carol",
    key,
    receiver: testReceiver({ key, role: "carol" }),
    log: () => {},
  });
  await other.store("bob", one.body, one.headers);
  assert.equal(await d.backlog("bob"), 3);
});

test(
  "consume delivers in order through the receive rules, acks and reports signed to the sender",
  { skip },
  async () => {
    const texts: string[] = [];
    const d = inbox("d2", (envelope) => {
      // Verified when stored: the original id, handed on without a second signature.
      texts.push(`${envelope.message_id} ${envelope.message}`);
      return Promise.resolve("delivered");
    });
    await d.ensureStream();
    for (const [id, text] of [["m1", "one"], ["m2", "two"], ["m3", "three"]]) {
      const m = signed(id, text);
      await d.store("bob", m.body, m.headers);
    }
    const forged = signed("m4", "forged", signatureKey("not-the-mesh-secret-at-all"));
    await d.store("bob", forged.body, forged.headers);
    await d.consume();
    // alice reads her reports later: they waited in the stream for her.
    await poll(async () => (await d.backlog("bob")) === 0 || undefined, "bob to take all four");
    const reports: WireReport[] = [];
    const stop = await consumeReports(nc, {
      names: meshNames("d2"),
      role: "alice",
      key,
      log: () => {},
      onReport: (r) => reports.push(r),
    });
    await waitFor(() => reports.length === 4, "four reports to alice", 10_000);
    stop();
    assert.deepEqual(texts, ["m1 one", "m2 two", "m3 three"]);
    assert.deepEqual(reports.map((r) => [r.message_id, r.outcome]), [
      ["m1", "delivered"],
      ["m2", "delivered"],
      ["m3", "delivered"],
      ["m4", "refused"],
    ]);
    assert.match(reports[3].reason!, /signature rejected/);
    // A refused message is terminated too (servers before 2.10.4 ignored a "+TERM <reason>"),
    // which the empty backlog above shows.
  },
);

test(
  "the stream takes INTERCOM_NATS_MAX_AGE and INTERCOM_NATS_MAX_BYTES; a node asking for others says so",
  { skip },
  async () => {
    const logs: string[] = [];
    const make = (maxAgeMs: number, maxBytes: number) =>
      new DurableInbox({
        nc,
        names: meshNames("d4"),
        role: "bob",
        key,
        receiver: testReceiver({ key, deliver: ok }),
        log: (l) => logs.push(l),
        maxAgeMs,
        maxBytes,
      });
    await make(60_000, 2 * 1024 * 1024).ensureStream();
    const { jetstreamManager } = await import("@nats-io/jetstream");
    const info = await (await jetstreamManager(nc)).streams.info("d4_inbox");
    assert.equal(info.config.max_age, 60e9);
    assert.equal(info.config.max_bytes, 2 * 1024 * 1024);
    assert.equal(info.config.duplicate_window, 60e9);
    assert.deepEqual(info.config.subjects, ["d4.inbox.*", "d4.inbox.*.reports"]);
    await make(60_000, 2 * 1024 * 1024).ensureStream();
    assert.deepEqual(logs, []);
    await make(3_600_000, 2 * 1024 * 1024).ensureStream();
    assert.match(logs[0], /keeps messages 60 s and 2097152 bytes, as the node that made it asked/);
  },
);

test(
  "the backlog is asked of the broker once, then tracked from what this node stored",
  { skip },
  async () => {
    const d = inbox("d5", ok);
    await d.ensureStream();
    assert.equal(await d.waiting("carol"), 0);
    const m = signed("m1", "one");
    const outcome = await d.keep("carol", m.body, m.headers, "offline");
    assert.equal(outcome.ok ? "delivered" : outcome.kind, "stored");
    assert.equal(await d.waiting("carol"), 1);
    d.settled("carol", "m1");
    // Settled by its report: no round trip, although the broker still holds it (no consumer).
    assert.equal(await d.waiting("carol"), 0);
  },
);

test("a session that throws leaves the message stored and is logged", { skip }, async () => {
  const logs: string[] = [];
  let calls = 0;
  const d = inbox("d3", () => {
    calls++;
    return Promise.reject(new Error("boom"));
  }, logs);
  await d.ensureStream();
  const m = signed("m1", "one");
  await d.store("bob", m.body, m.headers);
  await d.consume();
  await waitFor(() => logs.length > 0, "the failure logged");
  assert.match(logs[0], /^error: delivering a stored message failed: boom$/);
  assert.equal(calls, 1);
  assert.equal(await d.backlog("bob"), 1, "not acked: it is offered again");
});
