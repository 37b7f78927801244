import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { PassThrough, type Readable } from "node:stream";
import { test } from "node:test";
import { StdinGate } from "./stdin_gate.ts";

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Everything `stream` yields until it ends, as text. */
async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

test("StdinGate shows complete lines, split anywhere, until onLine has enough", async () => {
  const stdin = new PassThrough();
  const lines: string[] = [];
  new StdinGate(stdin, (line) => {
    lines.push(line);
    return line === "stop";
  });
  const text = Buffer.from("one\r\ntw\u00e9\nstop\nafter\n");
  // Split inside the two-byte é and inside "stop".
  for (const [a, b] of [[0, 7], [7, 8], [8, 11], [11, text.length]]) {
    stdin.write(text.subarray(a, b));
    await tick();
  }
  assert.deepEqual(lines, ["one", "tw\u00e9", "stop"]);
});

test("StdinGate hands over every byte from the first, then the rest, and ends with stdin", async () => {
  const stdin = new PassThrough();
  const gate = new StdinGate(stdin, () => false);
  stdin.write("a\nb");
  await tick();
  const whole = gate.handOver();
  stdin.write("c\n");
  stdin.end("d\n");
  assert.equal(await readAll(whole), "a\nbc\nd\n");
  assert.throws(() => gate.handOver(), /Cannot hand stdin over twice/);
});

test("StdinGate tells of the end once, also to a listener that comes after it", async () => {
  const stdin = new PassThrough();
  const gate = new StdinGate(stdin, () => false);
  let ends = 0;
  gate.onEnd(() => ends++);
  stdin.end("x\n");
  await tick();
  await tick();
  assert.equal(gate.ended, true);
  assert.equal(ends, 1);
  gate.onEnd(() => ends++);
  assert.equal(ends, 2);
  // Handed over after the end: the bytes, then the end.
  assert.equal(await readAll(gate.handOver()), "x\n");
});
