import assert from "node:assert/strict";
import { PassThrough, Writable } from "node:stream";
import { test } from "node:test";
import { HandoverStdioTransport } from "./stdio_handover.ts";

function setup(answered: string | number | undefined) {
  const writes: string[] = [];
  const stdout = new Writable({
    write(chunk, _encoding, callback) {
      writes.push(String(chunk));
      callback();
    },
  });
  return { t: new HandoverStdioTransport(new PassThrough(), answered, stdout), writes };
}

test("HandoverStdioTransport drops the first answer to the answered id, and only it", async () => {
  const { t, writes } = setup(0);
  await t.send({ jsonrpc: "2.0", id: 0, result: { protocolVersion: "2025-06-18" } });
  await t.send({ jsonrpc: "2.0", method: "notifications/message", params: {} });
  await t.send({ jsonrpc: "2.0", id: 1, result: {} });
  await t.send({ jsonrpc: "2.0", id: 0, result: { again: true } });
  assert.deepEqual(writes.join("").trim().split("\n").map((l) => JSON.parse(l)), [
    { jsonrpc: "2.0", method: "notifications/message", params: {} },
    { jsonrpc: "2.0", id: 1, result: {} },
    { jsonrpc: "2.0", id: 0, result: { again: true } },
  ]);
});

test("HandoverStdioTransport drops an error answer too, and a request of the node goes out", async () => {
  const { t, writes } = setup("init");
  await t.send({ jsonrpc: "2.0", id: "init", method: "ping" });
  await t.send({ jsonrpc: "2.0", id: "init", error: { code: -32602, message: "bad" } });
  assert.deepEqual(writes.join("").trim().split("\n").map((l) => JSON.parse(l)), [
    { jsonrpc: "2.0", id: "init", method: "ping" },
  ]);
});

test("HandoverStdioTransport with nothing answered sends everything", async () => {
  const { t, writes } = setup(undefined);
  await t.send({ jsonrpc: "2.0", id: 0, result: {} });
  assert.equal(writes.length, 1);
});
