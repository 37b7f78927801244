import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { BatchedStdioServerTransport } from "./stdio.ts";

function transport() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const writes: string[] = [];
  stdout.on("data", (chunk) => writes.push(String(chunk)));
  return { t: new BatchedStdioServerTransport(stdin, stdout), stdin, writes };
}

const note = (n: number) => ({ jsonrpc: "2.0" as const, method: "notifications/x", params: { n } });

test("BatchedStdioServerTransport writes the first message of a tick at once, the rest in one write, in order", async () => {
  const { t, writes } = transport();
  const first = t.send(note(1));
  await Promise.resolve();
  assert.equal(writes.length, 1, "the first message waits for nothing");
  await Promise.all([first, t.send(note(2)), t.send(note(3)), t.send(note(4))]);
  await new Promise((r) => setImmediate(r));
  assert.equal(writes.length, 2);
  const lines = writes.join("").split("\n");
  assert.equal(lines.pop(), "", "newline-delimited, ending with a newline");
  assert.deepEqual(lines.map((l) => JSON.parse(l).params.n), [1, 2, 3, 4]);
});

test("BatchedStdioServerTransport sends messages of later ticks in later writes", async () => {
  const { t, writes } = transport();
  await t.send(note(1));
  await t.send(note(2));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(writes.map((w) => JSON.parse(w).params.n), [1, 2]);
});

test("BatchedStdioServerTransport still reads JSON-RPC lines from stdin", async () => {
  const { t, stdin } = transport();
  const received = new Promise((resolve) => t.onmessage = resolve);
  await t.start();
  stdin.write('{"jsonrpc":"2.0","id":1,"method":"ping"}\n');
  assert.deepEqual(await received, { jsonrpc: "2.0", id: 1, method: "ping" });
  await t.close();
});

test("BatchedStdioServerTransport writes what is queued when it closes", async () => {
  const { t, writes } = transport();
  const sent = t.send(note(7));
  await t.close();
  await sent;
  await new Promise((r) => setImmediate(r));
  assert.equal(writes.join(""), JSON.stringify(note(7)) + "\n");
});
