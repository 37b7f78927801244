import { test } from "node:test";
import assert from "node:assert/strict";
import { AuthThrottle } from "./throttle.ts";

test("AuthThrottle blocks a source after its burst of failures, until a token is back", () => {
  const t = new AuthThrottle({ perMinute: 6, burst: 2 });
  assert.equal(t.blocked("a", 0), undefined);
  t.failed("a", "x", 0);
  t.failed("a", "x", 0);
  assert.equal(t.blocked("a", 0), undefined, "the burst is spent, not exceeded");
  t.failed("a", "x", 0);
  assert.equal(t.blocked("a", 0), 10, "one token every 10 s");
  assert.equal(t.blocked("b", 0), undefined, "other sources are not affected");
  assert.equal(t.blocked("a", 10_000), undefined);
});

test("AuthThrottle logs repeated failures once per source and minute", () => {
  const lines: string[] = [];
  const t = new AuthThrottle({ perMinute: 30, burst: 10, log: (l) => lines.push(l) });
  t.failed("a", "wrong X-Intercom-Secret", 0);
  assert.equal(lines.length, 0, "one failure is not repeated");
  for (let i = 0; i < 20; i++) t.failed("a", "wrong X-Intercom-Secret", 1000 + i);
  t.failed("b", "r", 0);
  t.failed("b", "r", 1);
  assert.equal(lines.length, 2);
  t.failed("a", "r", 60_000);
  t.failed("a", "r", 60_001);
  assert.equal(lines.length, 3, "again in the next minute");
  assert.match(lines[0], /from a \(wrong X-Intercom-Secret\)/);
});
