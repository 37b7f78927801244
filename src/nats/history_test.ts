import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { NatsServer, natsSkip, poll } from "../../tests/support/nats.ts";
import { ensureEventStream, followHistory } from "./history.ts";
import { meshNames } from "./subjects.ts";

const skip = natsSkip();
let server: NatsServer | undefined;
let nc: NatsConnection;

before(async () => {
  if (skip) return;
  server = await NatsServer.start();
  nc = await connect({ servers: server.url });
});

after(async () => {
  await nc?.close();
  await server?.stop();
});

test("followHistory replays the last events kept, then live ones, each once; hellos are not kept", {
  skip,
}, async () => {
  const names = meshNames("h1");
  await ensureEventStream(nc, { names, replicas: 1, maxAgeMs: 60_000 });
  await ensureEventStream(nc, { names, replicas: 1, maxAgeMs: 60_000 });
  for (let i = 0; i < 250; i++) {
    nc.publish(names.events(i % 2 ? "a" : "b"), JSON.stringify({ event: "send", data: { i } }));
    nc.publish(names.hello("a"), JSON.stringify({ event: "hello", data: {} }));
  }
  await nc.flush();
  const seen: number[] = [];
  const subjects = new Set<string>();
  const stop = await followHistory(nc, {
    names,
    last: 200,
    onMessage: (subject, data) => {
      subjects.add(subject);
      seen.push(JSON.parse(new TextDecoder().decode(data)).data.i);
    },
  });
  assert.ok(stop);
  await poll(() => Promise.resolve(seen.length >= 200 || undefined), "the replay");
  for (let i = 250; i < 260; i++) {
    nc.publish(names.events("a"), JSON.stringify({ event: "recv", data: { i } }));
  }
  await poll(() => Promise.resolve(seen.length >= 210 || undefined), "the live events");
  stop!();
  assert.deepEqual(seen, Array.from({ length: 210 }, (_, k) => k + 50));
  assert.deepEqual([...subjects].sort(), ["h1.events.a", "h1.events.b"]);
});

test("followHistory is undefined for a mesh that keeps no history", { skip }, async () => {
  assert.equal(await followHistory(nc, { names: meshNames("h2"), onMessage: () => {} }), undefined);
});
