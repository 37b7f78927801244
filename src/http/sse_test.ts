import { test } from "node:test";
import assert from "node:assert/strict";
import { Hub } from "../node/hub.ts";
import { EventStreams, formatSse, resumeAfter } from "./sse.ts";

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
    `event: recv\nid: ${hub.boot}.1\ndata: ${JSON.stringify(envelope)}\n\n`,
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
  const reader = streams.open({ hello: {}, lastEventId: `${hub.boot}.1` }).getReader();
  const text = await readUntil(reader, `id: ${hub.boot}.3`);
  assert.doesNotMatch(text, /\.1\n/);
  assert.match(text, /\.2\n[^]*\.3\n/);
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

test("EventStreams replays this run's history to an id from an earlier run", async () => {
  const hub = new Hub();
  const streams = new EventStreams(hub);
  hub.publish("recv", envelope);
  hub.publish("recv", envelope);
  const reader = streams.open({ hello: {}, lastEventId: "0badc0de.7" }).getReader();
  const text = await readUntil(reader, `id: ${hub.boot}.2`);
  assert.match(text, new RegExp(`id: ${hub.boot}\\.1\n[^]*id: ${hub.boot}\\.2\n`));
  assert.doesNotMatch(text, /reset/);
  await reader.cancel();
});

test("resumeAfter reads boot-qualified and bare ids", () => {
  assert.equal(resumeAfter("ab12.5", "ab12"), 5);
  assert.equal(resumeAfter("ffff.5", "ab12"), 0);
  assert.equal(resumeAfter("5", "ab12"), 5);
  assert.equal(resumeAfter("", "ab12"), undefined);
  assert.equal(resumeAfter("x.y", "ab12"), undefined);
});
