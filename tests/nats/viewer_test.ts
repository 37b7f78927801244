import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { type NodeProcess, randomSecret, resultText, ROOT } from "../support/harness.ts";
import { NatsServer, natsSkip, poll, spawnBrokerNode } from "../support/nats.ts";
import { connectViewer, followMesh, viewerNatsConfig } from "../../viewer/sources/nats.ts";
import type { ViewerEvent } from "../../viewer/model/state.ts";

const skip = natsSkip();
let server: NatsServer | undefined;
const nodes: NodeProcess[] = [];
const secret = randomSecret();

before(async () => {
  if (skip) return;
  server = await NatsServer.start();
  for (const role of ["alice", "bob"]) {
    nodes.push(await spawnBrokerNode(role, { nats: server.url, secret }));
  }
});

after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await server?.stop();
});

test("viewer --nats --once shows every member of the mesh", { skip }, async () => {
  const child = spawn(process.execPath, [
    "run",
    "-A",
    "main.ts",
    "viewer",
    "--nats",
    server!.url,
    "--once",
    "--no-color",
  ], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", INTERCOM_SECRET: secret } });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => out += c);
  child.stderr.setEncoding("utf8").on("data", (c: string) => err += c);
  const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  assert.equal(code, 0, err);
  assert.match(out, /alice/);
  assert.match(out, /bob/);
});

test(
  "viewer --nats replays what was said before it started, then follows live, each event once",
  { skip },
  async () => {
    const [alice, bob] = nodes;
    const before = await alice.session.call("send_message", {
      to: "bob",
      message: "said before the viewer",
    });
    assert.match(resultText(before), /Delivered/);
    // More messages go while the viewer starts: the seam between replay and live.
    const sending = (async () => {
      for (let i = 0; i < 10; i++) {
        const r = await bob.session.call("send_message", { to: "alice", message: `seam ${i}` });
        assert.match(resultText(r), /Delivered/);
      }
    })();
    const config = viewerNatsConfig(server!.url, {}, () => "");
    const nc = await connectViewer(config);
    const events: ViewerEvent[] = [];
    const stop = new AbortController();
    const following = followMesh(nc, config.mesh, {
      signal: stop.signal,
      onEvent: (e) => events.push(e),
      secret,
    });
    try {
      await sending;
      const after = await alice.session.call("send_message", {
        to: "bob",
        message: "said after it started",
      });
      assert.match(resultText(after), /Delivered/);
      const messages = () =>
        events.flatMap((e) =>
          e.type === "message" ? [`${e.node} ${e.kind} ${e.envelope.message}`] : []
        );
      // Each message is a send at one node and a recv at the other.
      await poll(
        () => Promise.resolve(messages().length >= 24 || undefined),
        "24 message events in the viewer",
      );
      const seen = messages();
      for (const text of ["said before the viewer", "said after it started"]) {
        assert.equal(seen.filter((m) => m === `alice send ${text}`).length, 1, seen.join("\n"));
        assert.equal(seen.filter((m) => m === `bob recv ${text}`).length, 1, seen.join("\n"));
      }
      for (let i = 0; i < 10; i++) {
        assert.equal(seen.filter((m) => m === `bob send seam ${i}`).length, 1, seen.join("\n"));
        assert.equal(seen.filter((m) => m === `alice recv seam ${i}`).length, 1, seen.join("\n"));
      }
      assert.equal(seen.length, 24, seen.join("\n"));
    } finally {
      stop.abort();
      await following;
    }
  },
);
