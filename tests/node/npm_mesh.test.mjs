// The bundled npm package in a mesh under Node: a node started by `npx -y --package=<tarball>`
// exchanges messages with a node running from source under Deno, and two installed nodes talk
// through a real nats-server in broker mode (its chunk loads on demand). Needs npm/ built first
// (`npm test` does that); the broker test is skipped without nats-server.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { z } from "zod";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
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

/**
 * Starts a node with an MCP client on its stdio; `next(n)` waits for the n-th channel event.
 * With `accept`, the client can ask its user (MCP elicitation), who accepts every question.
 */
async function connect(role, command, args, env, cwd, { accept = false } = {}) {
  const transport = new StdioClientTransport({
    command,
    args,
    cwd,
    env: childEnv({ MY_ROLE: role, INTERCOM_SECRET: SECRET, INTERCOM_HOST: "127.0.0.1", ...env }),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d) => stderr += d);
  const client = new Client(
    { name: `mesh-${role}`, version: "0" },
    accept ? { capabilities: { elicitation: {} } } : {},
  );
  const asked = [];
  if (accept) {
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.push(request.params.message);
      return { action: "accept", content: {} };
    });
  }
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
  return { client, next, send, asked, stderr: () => stderr };
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

// The bundle validates an elicitation's answer with src/platform/elicitation_schema.ts, not Ajv:
// the loop guard's question, accepted by the user, lets the conversation go on.
test("the loop guard's question to the user, accepted, lets two installed nodes go on", async () => {
  const [portA, portB] = [await freePort(), await freePort()];
  const ping = await connect(
    "ping",
    pkg.bin,
    [],
    { INTERCOM_PORT: String(portA), PEERS: `pong=127.0.0.1:${portB}` },
    pkg.app,
  );
  const pong = await connect(
    "pong",
    pkg.bin,
    [],
    { INTERCOM_PORT: String(portB), PEERS: `ping=127.0.0.1:${portA}` },
    pkg.app,
    { accept: true },
  );
  try {
    for (let i = 0; i < 10; i++) {
      await ping.send("pong", `ping ${i}`);
      await pong.next(i + 1);
      await pong.send("ping", `pong ${i}`);
      await ping.next(i + 1);
    }
    await ping.send("pong", "ping 10", { user_approved: true });
    await pong.next(11);
    await pong.send("ping", "pong 10");
    assert.equal(pong.asked.length, 1, pong.stderr());
    assert.match(pong.asked[0], /go on talking with "ping"\?/);
    assert.equal((await ping.next(11)).content, "pong 10");
  } finally {
    await Promise.allSettled([ping.client.close(), pong.client.close()]);
  }
});

/**
 * A `nats-server -js` on 127.0.0.1 with its own store (and `config` as its config file), ready;
 * `stop()` ends it and removes its folder.
 */
async function natsServerOn(config) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "talkie-npm-nats-"));
  const args = ["-js", "-sd", join(dir, "js"), "-a", "127.0.0.1", "-p", `${port}`];
  if (config) {
    writeFileSync(join(dir, "server.conf"), config);
    args.push("-c", join(dir, "server.conf"));
  }
  const server = spawn("nats-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const ready = new Promise((resolve) => {
    const onData = (d) => {
      log += d;
      if (log.includes("Server is ready")) resolve();
    };
    server.stdout.on("data", onData);
    server.stderr.on("data", onData);
  });
  const stop = async () => {
    // The store goes once the server has stopped writing to it.
    const exited = server.exitCode !== null
      ? Promise.resolve()
      : new Promise((resolve) => server.once("exit", resolve));
    server.kill();
    await within(10_000, "nats-server exit", exited).catch(() => server.kill("SIGKILL"));
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  };
  try {
    await within(15_000, "nats-server ready", ready);
  } catch (error) {
    await stop();
    throw new Error(`${error.message}\n${log}`);
  }
  return { url: `nats://127.0.0.1:${port}`, dir, stop };
}

/** Waits until `from` lists `role` as online (presence travels through the broker). */
async function seesOnline(from, role) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const peers = await from.client.callTool({ name: "list_peers", arguments: {} });
    const text = peers.content?.[0]?.text ?? "";
    if (new RegExp(`${role} .*online \\(`).test(text)) return;
    assert.ok(Date.now() < deadline, `${role} never seen online:\n${text}\n${from.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

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
  const server = await natsServerOn();
  const nodes = [];
  try {
    const env = async () => ({
      INTERCOM_NATS_URL: server.url,
      INTERCOM_MESH: "npmsmoke",
      INTERCOM_PORT: String(await freePort()),
    });
    nodes.push(await connect("north", pkg.bin, [], await env(), pkg.app));
    nodes.push(await connect("south", pkg.bin, [], await env(), pkg.app));
    const [north, south] = nodes;
    await seesOnline(north, "south");
    await north.send("south", "over the broker");
    const event = await south.next(1);
    assert.equal(event.content, "over the broker");
    assert.equal(event.meta?.from, "north");
  } finally {
    await Promise.allSettled(nodes.map((n) => n.client.close()));
    await server.stop();
  }
});

// The bundle's nkeys sign the server's nonce with node:crypto (src/platform/nacl_node.ts), not
// tweetnacl: a login with a creds file proves the signature is the one the server checks.
test("broker mode in the bundle logs in with a creds file (operator, account, user JWTs)", {
  skip: natsServer ? false : "nats-server is not installed",
}, async () => {
  const made = execFileSync(deno, [
    "eval",
    'import { makeCreds } from "./tests/support/nats_creds.ts"; ' +
    "console.log(JSON.stringify(makeCreds()));",
  ], { cwd: root, encoding: "utf8" });
  const creds = JSON.parse(made);
  const server = await natsServerOn(creds.serverConfig);
  const nodes = [];
  try {
    const file = join(server.dir, "user.creds");
    writeFileSync(file, creds.userCreds, { mode: 0o600 });
    const env = async () => ({
      INTERCOM_NATS_URL: server.url,
      INTERCOM_NATS_CREDS: file,
      INTERCOM_MESH: "npmcreds",
      INTERCOM_PORT: String(await freePort()),
    });
    nodes.push(await connect("east", pkg.bin, [], await env(), pkg.app));
    nodes.push(await connect("west", pkg.bin, [], await env(), pkg.app));
    const [east, west] = nodes;
    await seesOnline(east, "west");
    await east.send("west", "signed in with nkeys");
    const event = await west.next(1);
    assert.equal(event.content, "signed in with nkeys");
    assert.equal(event.meta?.from, "east");
  } finally {
    await Promise.allSettled(nodes.map((n) => n.client.close()));
    await server.stop();
  }
});
