import { test } from "node:test";
import assert from "node:assert/strict";
import { HISTORY_SIZE, Hub, type HubRecord } from "./hub.ts";
import type { Envelope } from "../core/envelope.ts";

const env = (n: number): Envelope => ({
  message_id: `m${n}`,
  from: "a",
  to: "b",
  message: `text ${n}`,
  sent_at: "2026-11-29T12:00:00.000Z",
});

test("Hub dispatches send and recv to subscribers in order with sequence numbers", () => {
  const hub = new Hub();
  const seen: HubRecord[] = [];
  const off = hub.subscribe((r) => seen.push(r));
  hub.publish("recv", env(1));
  hub.publish("send", env(2));
  off();
  hub.publish("recv", env(3));
  assert.deepEqual(seen.map((r) => [r.seq, r.kind]), [[1, "recv"], [2, "send"]]);
});

test("Hub.subscribe filters by kind", () => {
  const hub = new Hub();
  const seen: string[] = [];
  hub.subscribe((r) => seen.push(r.envelope.message_id), ["recv"]);
  hub.publish("send", env(1));
  hub.publish("recv", env(2));
  assert.deepEqual(seen, ["m2"]);
});

test("Hub.since returns missed records, or undefined once they left the history", () => {
  const hub = new Hub();
  for (let i = 1; i <= HISTORY_SIZE + 10; i++) hub.publish("recv", env(i));
  assert.deepEqual(hub.since(hub.lastSeq), []);
  assert.deepEqual(hub.since(hub.lastSeq - 2)?.map((r) => r.seq), [265, 266]);
  assert.equal(hub.since(10)?.length, HISTORY_SIZE);
  assert.equal(hub.since(5), undefined);
  assert.equal(hub.since(hub.lastSeq + 1), undefined, "an id from another run");
});
