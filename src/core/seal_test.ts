import assert from "node:assert/strict";
import { test } from "node:test";
import { generateNodeKeys } from "./node_key.ts";
import { meshSealer, Sealer } from "./seal.ts";

const a = generateNodeKeys();
const b = generateNodeKeys();
const binding = { message_id: "m1", from: "a", to: "b", sent_at: "2026-12-07T00:00:00.000Z" };

test("Sealer seals for the recipient's key, and only it opens the text", () => {
  const sealed = new Sealer(a.box, a.boxPublicKey).seal("the plan", b.boxPublicKey, binding);
  assert.equal(JSON.stringify(sealed).includes("the plan"), false);
  assert.equal(new Sealer(b.box, b.boxPublicKey).open(sealed, binding), "the plan");
  const c = generateNodeKeys();
  assert.throws(() => new Sealer(c.box, c.boxPublicKey).open(sealed, binding), /another node key/);
});

test("Sealer refuses a text moved to another envelope or altered", () => {
  const sealed = new Sealer(a.box, a.boxPublicKey).seal("x", b.boxPublicKey, binding);
  const bob = new Sealer(b.box, b.boxPublicKey);
  assert.throws(() => bob.open(sealed, { ...binding, message_id: "m2" }), /does not open/);
  assert.throws(() => bob.open(sealed, { ...binding, from: "c" }), /does not open/);
  const data = Buffer.from(sealed.data, "base64");
  data[0] ^= 1;
  assert.throws(() => bob.open({ ...sealed, data: data.toString("base64") }, binding), /altered/);
  assert.throws(() => bob.open({ v: 2 }, binding), /must be/);
});

test("meshSealer opens with the same secret only", () => {
  const one = meshSealer(new TextEncoder().encode("secret one"), "events");
  const { sealed } = one.seal({ event: "recv", data: { message: "hi" } });
  assert.deepEqual(one.open(sealed), { event: "recv", data: { message: "hi" } });
  assert.throws(() => meshSealer(new TextEncoder().encode("secret two"), "events").open(sealed));
  assert.throws(() => meshSealer(new TextEncoder().encode("secret one"), "session").open(sealed));
});
