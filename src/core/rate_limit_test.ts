import { test } from "node:test";
import assert from "node:assert/strict";
import { RateLimiter, WindowLimiter } from "./rate_limit.ts";

const T0 = 1_700_000_000_000;

/** Takes `n` tokens at `nowMs` and returns how many were accepted. */
const takeMany = (limiter: RateLimiter, key: string, n: number, nowMs: number) => {
  let accepted = 0;
  for (let i = 0; i < n; i++) if (limiter.take(key, nowMs).ok) accepted++;
  return accepted;
};

test("RateLimiter lets a burst through, then refuses with Retry-After", () => {
  const limiter = new RateLimiter({ perMinute: 60, burst: 10 });
  assert.equal(takeMany(limiter, "tester", 10, T0), 10);
  assert.deepEqual(limiter.take("tester", T0), { ok: false, retryAfterSeconds: 1 });
});

test("RateLimiter refills at perMinute", () => {
  const limiter = new RateLimiter({ perMinute: 60, burst: 10 });
  takeMany(limiter, "tester", 10, T0);
  assert.deepEqual(limiter.take("tester", T0 + 999), { ok: false, retryAfterSeconds: 1 });
  assert.deepEqual(limiter.take("tester", T0 + 1000), { ok: true });
  assert.equal(limiter.take("tester", T0 + 1000).ok, false);
  // 10 s later: 10 tokens back, no more (the bucket holds at most `burst`).
  assert.equal(takeMany(limiter, "tester", 20, T0 + 60_000), 10);
});

test("RateLimiter sustains exactly perMinute a minute", () => {
  const limiter = new RateLimiter({ perMinute: 60, burst: 10 });
  let accepted = 0;
  // One attempt every 100 ms for 10 minutes, after the burst.
  takeMany(limiter, "tester", 10, T0);
  for (let t = T0 + 100; t <= T0 + 600_000; t += 100) {
    if (limiter.take("tester", t).ok) accepted++;
  }
  assert.equal(accepted, 600);
});

test("RateLimiter keys are independent", () => {
  const limiter = new RateLimiter({ perMinute: 60, burst: 2 });
  assert.equal(takeMany(limiter, "a", 5, T0), 2);
  assert.equal(takeMany(limiter, "b", 5, T0), 2);
  assert.equal(limiter.size, 2);
});

test("RateLimiter as a loop guard: 20 at once, then one every 3 s, with the wait in seconds", () => {
  const guard = new RateLimiter({ perMinute: 20, burst: 20 });
  assert.equal(takeMany(guard, "frontend", 20, T0), 20);
  assert.deepEqual(guard.take("frontend", T0), { ok: false, retryAfterSeconds: 3 });
  assert.deepEqual(guard.take("frontend", T0 + 1_500), { ok: false, retryAfterSeconds: 2 });
  assert.deepEqual(guard.take("frontend", T0 + 2_001), { ok: false, retryAfterSeconds: 1 });
  assert.deepEqual(guard.take("frontend", T0 + 3_000), { ok: true });
  assert.deepEqual(guard.take("frontend", T0 + 3_000), { ok: false, retryAfterSeconds: 3 });
  // A refusal takes nothing: the wait does not grow with retries.
  assert.deepEqual(guard.take("frontend", T0 + 3_000), { ok: false, retryAfterSeconds: 3 });
});

test("RateLimiter gives whole seconds for slow rates", () => {
  const limiter = new RateLimiter({ perMinute: 0.5, burst: 1 });
  assert.equal(limiter.take("k", T0).ok, true);
  assert.deepEqual(limiter.take("k", T0), { ok: false, retryAfterSeconds: 120 });
  assert.deepEqual(limiter.take("k", T0 + 60_500), { ok: false, retryAfterSeconds: 60 });
  assert.deepEqual(limiter.take("k", T0 + 120_000), { ok: true });
});

test("RateLimiter treats a clock that goes back as no time passing", () => {
  const limiter = new RateLimiter({ perMinute: 60, burst: 1 });
  assert.equal(limiter.take("k", T0).ok, true);
  assert.equal(limiter.take("k", T0 - 5_000).ok, false);
  assert.equal(limiter.take("k", T0 + 999).ok, false);
  assert.equal(limiter.take("k", T0 + 1_000).ok, true);
});

test("RateLimiter keeps at most maxKeys, dropping the least recently used", () => {
  const limiter = new RateLimiter({ perMinute: 60, burst: 1, maxKeys: 3 });
  for (const key of ["a", "b", "c"]) assert.equal(limiter.take(key, T0).ok, true);
  assert.equal(limiter.take("a", T0).ok, false); // "a" is now the most recently used
  assert.equal(limiter.take("d", T0).ok, true); // drops "b"
  assert.equal(limiter.size, 3);
  assert.equal(limiter.take("a", T0).ok, false); // kept
  assert.equal(limiter.take("c", T0).ok, false); // kept
  assert.equal(limiter.take("b", T0).ok, true); // forgotten, starts full (drops "d")
  assert.equal(limiter.size, 3);
  for (let i = 0; i < 10_000; i++) limiter.take(`flood-${i}`, T0);
  assert.equal(limiter.size, 3);
});

test("RateLimiter.delete forgets a key", () => {
  const limiter = new RateLimiter({ perMinute: 1, burst: 1 });
  limiter.take("k", T0);
  assert.equal(limiter.take("k", T0).ok, false);
  assert.equal(limiter.delete("k"), true);
  assert.equal(limiter.take("k", T0).ok, true);
});

test("RateLimiter rejects bad options", () => {
  for (
    const options of [
      { perMinute: 0, burst: 1 },
      { perMinute: -1, burst: 1 },
      { perMinute: Number.NaN, burst: 1 },
      { perMinute: Infinity, burst: 1 },
      { perMinute: 60, burst: 0 },
      { perMinute: 60, burst: 1.5 },
      { perMinute: 60, burst: 1, maxKeys: 0 },
    ]
  ) {
    assert.throws(() => new RateLimiter(options), RangeError, JSON.stringify(options));
  }
});

test("WindowLimiter allows exactly limit calls in any sliding window", () => {
  const w = new WindowLimiter({ limit: 3, windowMs: 60_000 });
  assert.deepEqual([0, 10_000, 20_000].map((t) => w.take("p", t).ok), [true, true, true]);
  assert.deepEqual(w.take("p", 30_000), { ok: false, retryAfterSeconds: 30 });
  assert.equal(w.take("other", 30_000).ok, true);
  assert.equal(w.take("p", 60_000).ok, true, "the call at 0 left the window");
  assert.equal(w.take("p", 60_500).ok, false);
  assert.throws(() => new WindowLimiter({ limit: 0 }), RangeError);
});
