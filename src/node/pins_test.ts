import assert from "node:assert/strict";
import { test } from "node:test";
import { openDatabase } from "../store/open.ts";
import { StoredPins } from "../store/pins.ts";
import { Pins } from "./pins.ts";

const A = "SHA256:" + "A".repeat(43);
const B = "SHA256:" + "B".repeat(43);

function pins(configured?: Map<string, string>) {
  const logs: string[] = [];
  const { db } = openDatabase(":memory:");
  return { p: new Pins({ store: new StoredPins(db), configured, log: (l) => logs.push(l) }), logs };
}

test("Pins pins a role to its first signer and refuses another, logging once", () => {
  const { p, logs } = pins();
  assert.deepEqual(p.judge("alpha", A), { ok: true, sender: "node" });
  assert.match(logs[0], /pinned "alpha" to SHA256:A+ \(first contact\)/);
  assert.deepEqual(p.judge("alpha", A), { ok: true, sender: "node" });
  const refused = p.judge("alpha", B);
  assert.equal(refused.ok, false);
  assert.match(
    (refused as { reason: string }).reason,
    /^"alpha" is pinned to node key SHA256:A+, and this was signed by SHA256:B+ .*pin alpha SHA256:B+/,
  );
  p.judge("alpha", B);
  assert.equal(logs.filter((l) => l.startsWith("Refused")).length, 1);
});

test("Pins lets a webhook use any name nobody pinned, never a pinned one", () => {
  const { p } = pins();
  assert.deepEqual(p.judge("ci", undefined), { ok: true, sender: "webhook" });
  p.judge("alpha", A);
  const refused = p.judge("alpha", undefined);
  assert.match((refused as { reason: string }).reason, /signed by no node key/);
});

test("Pins given in configuration win over first contact", () => {
  const { p } = pins(new Map([["alpha", B]]));
  assert.equal(p.judge("alpha", A).ok, false);
  assert.equal(p.judge("alpha", B).ok, true);
  assert.equal(p.fingerprint("alpha"), B);
});
