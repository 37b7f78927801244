import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { type NodeProcess, randomSecret, ROOT } from "../support/harness.ts";
import { NatsServer, natsSkip, spawnBrokerNode } from "../support/nats.ts";

const skip = natsSkip();
let server: NatsServer | undefined;
const nodes: NodeProcess[] = [];

before(async () => {
  if (skip) return;
  server = await NatsServer.start();
  const secret = randomSecret();
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
  ], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" } });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => out += c);
  child.stderr.setEncoding("utf8").on("data", (c: string) => err += c);
  const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  assert.equal(code, 0, err);
  assert.match(out, /alice/);
  assert.match(out, /bob/);
});
