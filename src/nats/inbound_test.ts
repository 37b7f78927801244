import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { deliveryOutcome } from "../core/outcome.ts";
import { signatureKey, signHeaders } from "../core/signature.ts";
import { waitFor } from "../../tests/support/harness.ts";
import { NatsServer, natsSkip } from "../../tests/support/nats.ts";
import { testReceiver } from "../../tests/support/receiver.ts";
import type { WireReport } from "./durable.ts";
import { listenReports, publishEvent, serveRole } from "./inbound.ts";
import { eventSealer, meshNames } from "./subjects.ts";
import { decodeReply } from "./wire.ts";

const skip = natsSkip();
let server: NatsServer | undefined;
let nc: NatsConnection;
const names = meshNames("unit");
const key = signatureKey("a-long-random-secret-for-tests");

before(async () => {
  if (skip) return;
  server = await NatsServer.start();
  nc = await connect({ servers: server.url });
});

after(async () => {
  await nc?.close();
  await server?.stop();
});

const signedMessage = (id: string, text: string, to = "bob") => {
  const body = JSON.stringify({ message_id: id, from: "alice", to, message: text });
  const h = headers();
  const signed = signHeaders(key, { id, timestamp: Math.floor(Date.now() / 1000), body });
  for (const [k, v] of Object.entries(signed)) h.set(k, v);
  return { body, h };
};

test(
  "serveRole answers messages and probes with the receive rules' verdict",
  { skip },
  async () => {
    const got: string[] = [];
    const stop = serveRole(nc, {
      names,
      role: "bob",
      live: () => true,
      log: () => {},
      receiver: testReceiver({
        key,
        deliver: (e) => {
          got.push(e.message_id);
          return Promise.resolve("delivered");
        },
        health: () => ({ status: "ok", role: "bob" }),
      }),
    });
    const { body, h } = signedMessage("m1", "hello");
    const reply = await nc.request(names.direct("bob"), body, { timeout: 2_000, headers: h });
    assert.deepEqual(decodeReply(reply.data), {
      status: 200,
      body: { ok: true, message_id: "m1" },
      text: undefined,
      retryAfterMs: undefined,
    });
    // The same message again is a duplicate, not a second hand-over.
    const again = await nc.request(names.direct("bob"), body, { timeout: 2_000, headers: h });
    assert.deepEqual(decodeReply(again.data).body, { ok: true, message_id: "m1", duplicate: true });
    // Only the signature is read: a secret header alone is refused.
    const bare = headers();
    bare.set("x-intercom-secret", "never read");
    const refused = decodeReply(
      (await nc.request(names.direct("bob"), body, { timeout: 2_000, headers: bare })).data,
    );
    assert.equal(refused.status, 401);
    const probe = decodeReply((await nc.request(names.health("bob"), "", { timeout: 2_000 })).data);
    assert.deepEqual(probe.body, { status: "ok", role: "bob" });
    assert.deepEqual(got, ["m1"]);
    stop();
  },
);

test(
  "a session that throws is answered with 500 {ok:false} and logged once, not a timeout",
  { skip },
  async () => {
    const logs: string[] = [];
    const stop = serveRole(nc, {
      names,
      role: "carol",
      live: () => true,
      log: (l) => logs.push(l),
      receiver: testReceiver({
        key,
        role: "carol",
        deliver: () => Promise.reject(new Error("disk on fire")),
        health: () => {
          throw new Error("disk on fire");
        },
      }),
    });
    for (let i = 0; i < 3; i++) {
      const m = signedMessage(`m${i}`, "hello", "carol");
      const reply = decodeReply(
        (await nc.request(names.direct("carol"), m.body, {
          timeout: 2_000,
          headers: m.h,
        })).data,
      );
      assert.equal(reply.status, 500);
      const body = reply.body as { ok: boolean; error: string };
      assert.equal(body.ok, false);
      assert.match(body.error, /failed to handle the message; try again/);
      assert.doesNotMatch(body.error, /disk on fire/, "internal errors stay in the receiver's log");
      const outcome = deliveryOutcome(reply, "m1", 1);
      assert.equal(outcome.ok, false);
      assert.equal(!outcome.ok && outcome.retryable, true);
    }
    const probe = decodeReply(
      (await nc.request(names.health("carol"), "", { timeout: 2_000 })).data,
    );
    assert.equal(probe.status, 500);
    assert.deepEqual(logs.filter((l) => /disk on fire/.test(l)).length, 2, "one per kind");
    assert.match(logs[0], /^error: the node failed on a message from NATS: disk on fire$/);
    stop();
  },
);

test(
  "listenReports passes on signed reports only, and says why it drops one",
  { skip },
  async () => {
    const logs: string[] = [];
    const reports: WireReport[] = [];
    const subject = names.reports("alice");
    listenReports(nc, { subject, key, log: (l) => logs.push(l), onReport: (r) => reports.push(r) });
    await nc.flush();
    const send = (report: unknown, signWith: Uint8Array | undefined) => {
      const body = JSON.stringify(report);
      const h = headers();
      if (signWith) {
        const s = signHeaders(signWith, {
          id: "r1",
          timestamp: Math.floor(Date.now() / 1000),
          body,
        });
        for (const [k, v] of Object.entries(s)) h.set(k, v);
      }
      nc.publish(subject, body, { headers: h });
    };
    const report: WireReport = {
      message_id: "m1",
      peer: "bob",
      outcome: "delivered",
      queued_ms: 5,
    };
    send({ ...report, message_id: "forged" }, signatureKey("another-secret-entirely-xx"));
    send({ ...report, message_id: "unsigned" }, undefined);
    send({ not: "a report" }, key);
    send(report, key);
    await waitFor(() => reports.length > 0, "the signed report");
    assert.deepEqual(reports, [report]);
    assert.equal(logs.filter((l) => /bad signature/.test(l)).length, 1, "said once a minute");
    assert.ok(logs.some((l) => /not a delivery report/.test(l)));
  },
);

test("publishEvent on a closed connection is a missed event, not an error", { skip }, async () => {
  const other = await connect({ servers: server!.url });
  await other.close();
  const sealer = eventSealer(new Uint8Array(32));
  assert.doesNotThrow(() =>
    publishEvent(other, names.events("a"), { event: "hello", data: {} }, sealer)
  );
});
