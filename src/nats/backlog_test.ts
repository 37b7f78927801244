import { test } from "node:test";
import assert from "node:assert/strict";
import { BacklogTracker } from "./backlog.ts";

function tracker(counts: Record<string, number>) {
  const asked: string[] = [];
  const t = new BacklogTracker((role) => {
    asked.push(role);
    return Promise.resolve(counts[role] ?? 0);
  });
  return { t, asked, counts };
}

test("BacklogTracker asks the broker once per role, then not while nothing of ours waits", async () => {
  const { t, asked } = tracker({});
  assert.equal(await t.waiting("bob"), 0);
  assert.equal(await t.waiting("bob"), 0);
  assert.equal(await t.waiting("bob"), 0);
  assert.deepEqual(asked, ["bob"]);
});

test("BacklogTracker asks again while messages it stored are pending, until their reports", async () => {
  const { t, asked, counts } = tracker({});
  await t.waiting("bob");
  t.stored("bob", "m1");
  t.stored("bob", "m2");
  counts.bob = 2;
  assert.equal(await t.waiting("bob"), 2);
  t.settled("bob", "m1");
  counts.bob = 1;
  assert.equal(await t.waiting("bob"), 1);
  t.settled("bob", "m2");
  assert.equal(t.pending("bob"), 0);
  assert.equal(await t.waiting("bob"), 0);
  assert.deepEqual(asked, ["bob", "bob", "bob"]);
});

test("BacklogTracker trusts the broker over a report that never came", async () => {
  const { t, asked } = tracker({ bob: 0 });
  await t.waiting("bob");
  t.stored("bob", "lost-report");
  assert.equal(await t.waiting("bob"), 0);
  assert.equal(t.pending("bob"), 0);
  assert.equal(await t.waiting("bob"), 0);
  assert.equal(asked.length, 2);
});

test("BacklogTracker keeps asking while the broker still holds an earlier session's messages", async () => {
  const { t, asked, counts } = tracker({ bob: 3 });
  assert.equal(await t.waiting("bob"), 3);
  assert.equal(await t.waiting("bob"), 3);
  counts.bob = 0;
  assert.equal(await t.waiting("bob"), 0);
  assert.equal(await t.waiting("bob"), 0);
  assert.equal(asked.length, 3);
});
