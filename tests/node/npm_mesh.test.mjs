// The bundled npm package in a mesh under Node: a node started by `npx -y --package=<tarball>`
// exchanges messages with a node running from source under Deno, and two installed nodes talk
// through a real nats-server in broker mode (its chunk loads on demand). Needs npm/ built first
// (`npm test` does that); the broker test is skipped without nats-server.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { z } from "zod";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { childEnv, freePort, packAndInstall, within } from "./_package.mjs";

const root = new URL("../..", import.meta.url).pathname;
const deno = join(root, "node_modules/.bin/deno");
const SECRET = "mesh-smoke-secret-0123456789abcdef";
const ChannelEvent = z.object({
  method: z.literal("notifications/claude/channel"),
  params: z.object({ content: z.string(), meta: z.record(z.string(), z.string()).optional() }),
});

const natsServer = (() => {
  try {
    execFileSync("nats-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** @type {Awaited<ReturnType<typeof packAndInstall>>} */
let pkg;
before(async () => {
  pkg = await packAndInstall();
}, { timeout: 180_000 });
after(() => {
  if (pkg) rmSync(pkg.dir, { recursive: true, force: true });
});

/** Starts a node with an MCP client on its stdio; `next(n)` waits for the n-th channel event. */
async function connect(role, command, args, env, cwd) {
  const transport = new StdioClientTransport({
    command,
    args,
    cwd,
    env: childEnv({ MY_ROLE: role, INTERCOM_SECRET: SECRET, INTERCOM_HOST: "127.0.0.1", ...env }),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d) => stderr += d);
  const client = new Client({ name: `mesh-${role}`, version: "0" });
  const events = [];
  const waiters = [];
  client.setNotificationHandler(ChannelEvent, ({ params }) => {
    events.push(params);
    waiters.splice(0).forEach((w) => w());
  });
  await within(60_000, `${role} connects`, client.connect(transport));
  // initialize is answered before the node has loaded; a ping is answered once it has (its
  // listener is up by then).
  await within(60_000, `${role} is up`, client.ping());
  const next = (count) =>
    within(
      15_000,
      `${role} receives event ${count}`,
      new Promise((resolve) => {
        const check = () =>
          events.length >= count ? resolve(events[count - 1]) : waiters.push(check);
        check();
      }),
    );
  const send = async (to, message, extra = {}) => {
    const result = await client.callTool({
      name: "send_message",
      arguments: { to, message, ...extra },
    });
    assert.ok(!result.isError, `send_message failed: ${JSON.stringify(result)}\n${stderr}`);
  };
  return { client, next, send, stderr: () => stderr };
}

test("a node started by npx -y --package=<tarball> exchanges messages with a Deno node", async () => {
  const [portA, portB] = [await freePort(), await freePort()];
  const a = await connect(
    "alpha",
    "npx",
    ["-y", "--prefer-offline", `--package=${pkg.tarball}`, "claude-talkie-walkie"],
    { INTERCOM_PORT: String(portA), PEERS: `beta=127.0.0.1:${portB}` },
    pkg.dir,
  );
  const b = await connect(
    "beta",
    deno,
    ["run", "-A", join(root, "main.ts")],
    { INTERCOM_PORT: String(portB), PEERS: `alpha=127.0.0.1:${portA}` },
    root,
  );
  try {
    await a.send("beta", "hello from the npm bundle");
    const atB = await b.next(1);
    assert.equal(atB.content, "hello from the npm bundle");
    assert.equal(atB.meta?.from, "alpha");
    await b.send("alpha", "hello from deno", { reply_to: atB.meta.message_id });
    const atA = await a.next(1);
    assert.equal(atA.content, "hello from deno");
    assert.equal(atA.meta?.reply_to, atB.meta.message_id);
    const health = await (await fetch(`http://127.0.0.1:${portA}/health`)).json();
    assert.equal(health.version, pkg.version);
  } finally {
    await Promise.allSettled([a.client.close(), b.client.close()]);
  }
});

test("broker mode loads its chunk from the bundle and delivers through nats-server", {
  skip: natsServer ? false : "nats-server is not installed",
}, async () => {
  const dist = join(pkg.app, "node_modules/claude-talkie-walkie/dist/chunks");
  assert.ok(
    readdirSync(dist).some((f) =>
      f.endsWith(".js") && readFileSync(join(dist, f), "utf8").includes("NATS/1.0")
    ),
    "the NATS client is bundled",
  );
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), "talkie-npm-nats-"));
  const server = spawn("nats-server", ["-js", "-sd", store, "-a", "127.0.0.1", "-p", `${port}`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const ready = new Promise((resolve) => {
    const onData = (d) => {
      log += d;
      if (log.includes("Server is ready")) resolve();
    };
    server.stdout.on("data", onData);
    server.stderr.on("data", onData);
  });
  const nodes = [];
  try {
    await within(15_000, "nats-server ready", ready);
    const env = (httpPort) => ({
      INTERCOM_NATS_URL: `nats://127.0.0.1:${port}`,
      INTERCOM_MESH: "npmsmoke",
      INTERCOM_PORT: String(httpPort),
    });
    nodes.push(await connect("north", pkg.bin, [], env(await freePort()), pkg.app));
    nodes.push(await connect("south", pkg.bin, [], env(await freePort()), pkg.app));
    const [north, south] = nodes;
    // Presence travels through the broker: send once north sees south online.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const peers = await north.client.callTool({ name: "list_peers", arguments: {} });
      if (/south .*online \(/.test(peers.content?.[0]?.text ?? "")) break;
      assert.ok(
        Date.now() < deadline,
        `north never saw south online:\n${peers.content?.[0]?.text}`,
      );
      await new Promise((r) => setTimeout(r, 100));
    }
    await north.send("south", "over the broker");
    const event = await south.next(1);
    assert.equal(event.content, "over the broker");
    assert.equal(event.meta?.from, "north");
  } finally {
    await Promise.allSettled(nodes.map((n) => n.client.close()));
    // The store goes once the server has stopped writing to it.
    const exited = server.exitCode !== null
      ? Promise.resolve()
      : new Promise((resolve) => server.once("exit", resolve));
    server.kill();
    await within(10_000, "nats-server exit", exited).catch(() => server.kill("SIGKILL"));
    rmSync(store, { recursive: true, force: true, maxRetries: 5 });
  }
});
