import assert from "node:assert/strict";
import { test } from "node:test";
import { PingPong } from "./ping_pong.ts";

const T0 = 1_000_000;

test("PingPong finds agents answering each other every 2.5 s within a minute", () => {
  const p = new PingPong();
  for (let i = 0; i < 19; i++) p.record("b", i % 2 ? "in" : "out", T0 + i * 2_500);
  assert.equal(p.loop("b", T0 + 19 * 2_500), undefined);
  p.record("b", "in", T0 + 19 * 2_500);
  assert.deepEqual(p.loop("b", T0 + 19 * 2_500), { messages: 20, durationMs: 47_500 });
});

test("PingPong: a pause, or several messages one way, starts a new run", () => {
  const p = new PingPong({ maxRun: 4, maxGapMs: 60_000 });
  for (const [d, t] of [["out", 0], ["in", 1], ["out", 2]] as const) p.record("b", d, T0 + t);
  p.record("b", "in", T0 + 70_000); // after a pause of more than a minute
  assert.equal(p.loop("b", T0 + 70_000), undefined);
  for (const [d, t] of [["out", 1], ["out", 2], ["in", 3], ["out", 4]] as const) {
    p.record("b", d, T0 + 80_000 + t);
  }
  assert.equal(p.loop("b", T0 + 80_004), undefined);
  p.record("b", "in", T0 + 80_005);
  assert.equal(p.loop("b", T0 + 80_005)?.messages, 4);
  // The run is a loop only while it lasts: after a pause it no longer holds anything back.
  assert.equal(p.loop("b", T0 + 80_005 + 60_000), undefined);
});

test("PingPong keeps peers apart and lets a human lift a loop", () => {
  const p = new PingPong({ maxRun: 2 });
  p.record("b", "out", T0);
  p.record("b", "in", T0 + 1);
  p.record("c", "out", T0 + 2);
  assert.ok(p.loop("b", T0 + 2));
  assert.equal(p.loop("c", T0 + 2), undefined);
  p.lift("b");
  assert.equal(p.loop("b", T0 + 3), undefined);
});

test("PingPong remembers at most maxPeers peers, forgetting the least recent first", () => {
  const p = new PingPong({ maxRun: 2, maxPeers: 100 });
  p.record("b", "out", T0);
  for (let i = 0; i < 10_000; i++) {
    p.record(`sender-${i}`, "in", T0 + i);
    if (i % 50 === 0) p.record("b", i % 100 === 0 ? "in" : "out", T0 + i); // b stays recent
  }
  assert.equal(p.size, 100);
  assert.ok(p.loop("b", T0 + 10_000), "the peer heard from recently keeps its run");
  assert.equal(p.loop("sender-0", T0 + 10_000), undefined);
});
