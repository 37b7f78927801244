import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { BodyTimeoutError, BodyTooLargeError, readLimited } from "./body.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const webStream = (...chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(bytes(c));
      controller.close();
    },
  });
const nodeStream = (...chunks: string[]) => {
  const stream = new PassThrough();
  for (const c of chunks) stream.write(bytes(c));
  stream.end();
  return stream;
};

test("readLimited reads a web stream and a Node readable to the same bytes", async () => {
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  assert.equal(decode(await readLimited(webStream("ab", "cd"), 4)), "abcd");
  assert.equal(decode(await readLimited(nodeStream("ab", "cd"), 4)), "abcd");
  assert.equal((await readLimited(null, 4)).byteLength, 0);
});

test("readLimited refuses a Node body over the limit as soon as it passes it", async () => {
  const stream = new PassThrough();
  const reading = readLimited(stream, 4);
  stream.write(bytes("abc"));
  stream.write(bytes("de")); // no end: the limit alone must settle it
  await assert.rejects(reading, BodyTooLargeError);
  assert.equal(stream.listenerCount("data"), 0, "it stops listening");
});

test("readLimited cuts off a Node body that does not end in time", async () => {
  const stream = new PassThrough();
  stream.write(bytes("slow"));
  await assert.rejects(readLimited(stream, 100, 20), BodyTimeoutError);
  assert.equal(stream.listenerCount("end"), 0);
});

test("readLimited rejects when the Node body fails", async () => {
  const stream = new PassThrough();
  const reading = readLimited(stream, 100);
  stream.destroy(new Error("socket hang up"));
  await assert.rejects(reading, /socket hang up/);
});
