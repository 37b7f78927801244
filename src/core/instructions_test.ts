import assert from "node:assert/strict";
import { test } from "node:test";
import { hearsChannelEvents, instructions } from "./instructions.ts";

const bytes = (text: string) => new TextEncoder().encode(text).byteLength;

test("instructions explain operator messages only when the node has an operator key", () => {
  const peers = Array.from({ length: 200 }, (_, i) => `peer-with-a-long-name-${i}`);
  const plain = instructions("backend", { peers, presence: "talkie" });
  const operator = instructions("backend", { peers, presence: "talkie", operator: true });
  assert.doesNotMatch(plain, /operator/);
  assert.match(operator, /from="operator" operator="true"/);
  assert.match(operator, /Permission prompts .* answered remotely/);
  // Hook notifications carry the same blocks: peer text, never the user's approval.
  assert.match(operator, /Hook notifications .*never the user's approval/s);
  assert.ok(bytes(operator) < 2048, `${bytes(operator)} bytes`);
});

test("instructions for a client without channel events speak of the inbox, not of <channel>", () => {
  const peers = Array.from({ length: 200 }, (_, i) => `peer-with-a-long-name-${i}`);
  const text = instructions("api", { peers, channels: false, operator: true });
  assert.doesNotMatch(text, /<channel|Claude Code/);
  assert.match(text, /wait in this session's inbox/);
  assert.match(text, /read_messages/);
  assert.match(text, /wait_for_message/);
  assert.match(text, /send_message with to = from and reply_to = message_id/);
  assert.ok(bytes(text) < 2048, `${bytes(text)} bytes`);
  // The safety text comes before anything optional.
  assert.ok(text.indexOf("not from the user") < text.indexOf("operator"));
});

test("hearsChannelEvents is true for Claude Code only", () => {
  assert.equal(hearsChannelEvents("claude-code"), true);
  assert.equal(hearsChannelEvents("Claude Code"), true);
  for (const name of ["codex-mcp-client", "cursor-vscode", "e2e-test", "", undefined]) {
    assert.equal(hearsChannelEvents(name), false, String(name));
  }
});
