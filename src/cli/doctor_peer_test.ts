import assert from "node:assert/strict";
import { test } from "node:test";
import { judgePeer } from "./doctor_peer.ts";
import { atLeast, formatReport, parseVersion } from "./doctor.ts";

const peer = { name: "tester", url: "http://10.0.0.7:8788" };
const online = { reachable: true as const, role: "tester", version: "2.1.0", signatures: true };

test("judgePeer: same secret and clock is ok", () => {
  const c = judgePeer(peer, { ...online, authenticated: true, skewSeconds: 0 });
  assert.equal(c.level, "ok");
  assert.match(c.text, /online, version 2\.1\.0, signatures v1, clock in step, same secret$/);
});

test("judgePeer: a clock beyond the signature tolerance fails on the clock, not the secret", () => {
  const c = judgePeer(peer, { ...online, authenticated: false, skewSeconds: -400 });
  assert.equal(c.level, "fail");
  assert.match(c.text, /its clock 400 s behind ours, beyond the ±300 s/);
  assert.doesNotMatch(c.text, /secret/);
});

test("judgePeer: a skew under the tolerance warns; a v2 peer warns that the secret was not checked", () => {
  assert.equal(judgePeer(peer, { ...online, authenticated: true, skewSeconds: 45 }).level, "warn");
  const v2 = judgePeer(peer, { ...online, signatures: false, skewSeconds: 0 });
  assert.equal(v2.level, "warn");
  assert.match(v2.text, /secret not checked/);
});

test("version comparison and the report's last line", () => {
  assert.deepEqual(parseVersion("2.1.332 (Claude Code)"), [2, 1, 332]);
  assert.ok(atLeast([2, 1, 332], [2, 1, 80]));
  assert.ok(!atLeast([2, 1, 79], [2, 1, 80]));
  assert.ok(atLeast([3, 0, 0], [2, 1, 80]));
  assert.equal(formatReport([{ level: "warn", text: "w" }]), "warn  w\nAll is well (1 warning).\n");
  assert.match(formatReport([{ level: "fail", text: "f" }]), /1 problem found/);
});
