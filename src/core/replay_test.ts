import { test } from "node:test";
import assert from "node:assert/strict";
import { SeenIds } from "./replay.ts";

const T0 = 1_700_000_000_000;

test("SeenIds refuses an id seen within ttlMs", () => {
  const seen = new SeenIds({ ttlMs: 600_000, maxSize: 100 });
  assert.equal(seen.has("msg_1", T0), false);
  assert.equal(seen.checkAndAdd("msg_1", T0), true);
  assert.equal(seen.has("msg_1", T0), true);
  assert.equal(seen.checkAndAdd("msg_1", T0 + 599_999), false);
  assert.equal(seen.checkAndAdd("msg_2", T0), true);
});

test("SeenIds forgets an id ttlMs after first sight, not after the last", () => {
  const seen = new SeenIds({ ttlMs: 1_000, maxSize: 100 });
  seen.checkAndAdd("msg_1", T0);
  assert.equal(seen.checkAndAdd("msg_1", T0 + 900), false);
  assert.equal(seen.has("msg_1", T0 + 999), true);
  assert.equal(seen.has("msg_1", T0 + 1_000), false);
  assert.equal(seen.checkAndAdd("msg_1", T0 + 1_000), true);
  assert.equal(seen.has("msg_1", T0 + 1_999), true);
});

test("SeenIds drops expired ids from the front as time passes", () => {
  const seen = new SeenIds({ ttlMs: 1_000, maxSize: 100 });
  for (let i = 0; i < 10; i++) seen.checkAndAdd(`msg_${i}`, T0 + i * 100);
  assert.equal(seen.size, 10);
  assert.equal(seen.has("msg_9", T0 + 1_450), true);
  assert.equal(seen.size, 5); // msg_0..msg_4 expired by T0 + 1_450
  assert.equal(seen.has("msg_4", T0 + 1_450), false);
  assert.equal(seen.has("msg_5", T0 + 1_450), true);
  seen.has("x", T0 + 10_000);
  assert.equal(seen.size, 0);
});

test("SeenIds keeps at most maxSize ids, forgetting the oldest first", () => {
  const seen = new SeenIds({ ttlMs: 600_000, maxSize: 3 });
  for (const id of ["a", "b", "c", "d"]) assert.equal(seen.checkAndAdd(id, T0), true);
  assert.equal(seen.size, 3);
  assert.equal(seen.has("a", T0), false);
  assert.deepEqual(["b", "c", "d"].map((id) => seen.has(id, T0)), [true, true, true]);
  // A duplicate does not move its id: "b" is still the oldest.
  assert.equal(seen.checkAndAdd("b", T0), false);
  seen.checkAndAdd("e", T0);
  assert.equal(seen.has("b", T0), false);
  assert.equal(seen.has("c", T0), true);
  for (let i = 0; i < 10_000; i++) seen.checkAndAdd(`flood-${i}`, T0);
  assert.equal(seen.size, 3);
});

test("SeenIds stays correct when the clock goes back", () => {
  const seen = new SeenIds({ ttlMs: 1_000, maxSize: 100 });
  seen.checkAndAdd("late", T0 + 5_000);
  seen.checkAndAdd("early", T0);
  assert.equal(seen.has("early", T0 + 1_000), false);
  assert.equal(seen.has("late", T0 + 5_999), true);
  assert.equal(seen.has("late", T0 + 6_000), false);
});

test("SeenIds rejects bad options", () => {
  assert.throws(() => new SeenIds({ ttlMs: 0, maxSize: 1 }), RangeError);
  assert.throws(() => new SeenIds({ ttlMs: Number.NaN, maxSize: 1 }), RangeError);
  assert.throws(() => new SeenIds({ ttlMs: 1, maxSize: 0 }), RangeError);
  assert.throws(() => new SeenIds({ ttlMs: 1, maxSize: 2.5 }), RangeError);
});
