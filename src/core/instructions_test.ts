import assert from "node:assert/strict";
import { test } from "node:test";
import { instructions } from "./instructions.ts";

const bytes = (text: string) => new TextEncoder().encode(text).byteLength;

test("instructions explain operator messages only when the node has an operator key", () => {
  const peers = Array.from({ length: 200 }, (_, i) => `peer-with-a-long-name-${i}`);
  const plain = instructions("backend", peers, "talkie");
  const operator = instructions("backend", peers, "talkie", true);
  assert.doesNotMatch(plain, /operator/);
  assert.match(operator, /from="operator" operator="true"/);
  assert.match(operator, /Permission prompts .* answered remotely/);
  assert.ok(bytes(operator) < 2048, `${bytes(operator)} bytes`);
});
