import { test } from "node:test";
import assert from "node:assert/strict";
import { Hub } from "./hub.ts";
import { EventStreams, formatSse } from "./sse.ts";

test("formatSse frames every data line and strips newlines from event and id", () => {
  assert.equal(formatSse({ event: "recv", id: "3", data: "a" }), "event: recv\nid: 3\ndata: a\n\n");
  assert.equal(formatSse({ data: "a\nb\r\nc" }), "data: a\ndata: b\ndata: c\n\n");
  assert.equal(formatSse({ event: "x\ndata: y", data: "z" }), "event: xdata: y\ndata: z\n\n");
});

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, marker: string) {
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
  }
  return text;
}

const envelope = { message_id: "m", from: "a", to: "b", message: "hi", sent_at: "t" };

test("EventStreams sends hello, then live events with ids, and closes cleanly", async () => {
  const hub = new Hub();
  const streams = new EventStreams(hub);
  const reader = streams.open({ hello: { role: "b" } }).getReader();
  assert.match(await readUntil(reader, "\n\n"), /^event: hello\ndata: {"role":"b"}\n\n$/);
  hub.publish("recv", envelope);
  assert.equal(
    await readUntil(reader, "\n\n"),
    `event: recv\nid: 1\ndata: ${JSON.stringify(envelope)}\n\n`,
  );
  assert.equal(streams.size, 1);
  streams.closeAll();
  assert.equal((await reader.read()).done, true);
  assert.equal(streams.size, 0);
});

test("EventStreams replays what a client missed after Last-Event-ID, or sends reset", async () => {
  const hub = new Hub();
  const streams = new EventStreams(hub);
  for (let i = 0; i < 3; i++) hub.publish("send", envelope);
  const reader = streams.open({ hello: {}, lastEventId: "1" }).getReader();
  const text = await readUntil(reader, "id: 3");
  assert.doesNotMatch(text, /id: 1\n/);
  assert.match(text, /id: 2\n[^]*id: 3\n/);
  await reader.cancel();
  assert.equal(streams.size, 0);
  for (let i = 0; i < 300; i++) hub.publish("send", envelope);
  const late = streams.open({ hello: {}, lastEventId: "1" }).getReader();
  assert.match(await readUntil(late, "event: reset"), /event: reset\ndata: {}\n\n/);
  await late.cancel();
});

test("EventStreams sends keep-alive comments", async () => {
  const streams = new EventStreams(new Hub(), 5);
  const reader = streams.open({ hello: {} }).getReader();
  assert.match(await readUntil(reader, ": keep-alive"), /: keep-alive\n\n/);
  streams.closeAll();
});
