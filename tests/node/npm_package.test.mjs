// Smoke tests of the npm package under Node: the packed tarball, installed like a user would,
// run through npx and its bin. Needs npm/ built first (`npm test` does that).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, before, test } from "node:test";
import { z } from "zod";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { exec, freePort, packAndInstall, rawSession, within } from "./_package.mjs";

const SECRET = "smoke-test-secret-0123456789abcdef";
const ChannelEvent = z.object({
  method: z.literal("notifications/claude/channel"),
  params: z.object({
    content: z.string(),
    meta: z.record(z.string(), z.string()).optional(),
  }),
});

/** @type {Awaited<ReturnType<typeof packAndInstall>>} */
let pkg;
before(async () => {
  pkg = await packAndInstall();
}, { timeout: 180_000 });
after(() => {
  if (pkg) rmSync(pkg.dir, { recursive: true, force: true });
});

const nodeEnv = (role, port, peers) => ({
  MY_ROLE: role,
  PEERS: peers,
  INTERCOM_PORT: String(port),
  INTERCOM_HOST: "127.0.0.1",
  INTERCOM_SECRET: SECRET,
});

test("npm package holds compiled code, declarations, the bin and its metadata only", () => {
  const paths = pkg.files.map((f) => f.path).sort();
  const unexpected = paths.filter((p) =>
    !/^(package\.json|README\.md|LICENSE|CHANGELOG\.md|server\.json|bin\/[\w-]+\.cjs|esm\/[\w/-]+\.(js|d\.ts))$/
      .test(p) ||
    /_test\.|(^|\/)_fixtures/.test(p)
  );
  assert.deepEqual(unexpected, []);
  for (const p of ["esm/mod.js", "esm/mod.d.ts", "esm/src/cli/main.js", "esm/viewer/mod.js"]) {
    assert.ok(paths.includes(p), `${p} is in the tarball`);
  }
  assert.ok(pkg.size < 250_000, `tarball is ${pkg.size} bytes, expected under 250 kB`);
});

test("npx -y --package=<tarball> claude-talkie-walkie --version prints the version", async () => {
  const { stdout } = await exec("npx", [
    "-y",
    "--prefer-offline",
    `--package=${pkg.tarball}`,
    "claude-talkie-walkie",
    "--version",
  ], { cwd: pkg.dir });
  assert.equal(stdout.trim(), pkg.version);
});

test("bin on Node older than 20 prints one line on stderr and exits 1", () => {
  const binFile = join(pkg.app, "node_modules/claude-talkie-walkie/bin/claude-talkie-walkie.cjs");
  const script = `Object.defineProperty(process.versions, "node", { value: "18.20.4" });
require(${JSON.stringify(binFile)});`;
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 10_000 });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, "");
  assert.match(
    r.stderr,
    /^claude-talkie-walkie needs Node\.js 20 or newer, this is Node 18\.20\.4/,
  );
  assert.equal(r.stderr.trim().split("\n").length, 1);
});

test("two installed nodes exchange channel events both ways and answer /health", async () => {
  const [portA, portB] = [await freePort(), await freePort()];
  const connect = async (role, port, peers) => {
    const transport = new StdioClientTransport({
      command: pkg.bin,
      env: nodeEnv(role, port, peers),
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (d) => stderr += d);
    const client = new Client({ name: `smoke-${role}`, version: "0" });
    const events = [];
    const waiters = [];
    client.setNotificationHandler(ChannelEvent, ({ params }) => {
      events.push(params);
      waiters.splice(0).forEach((w) => w());
    });
    await within(15_000, `${role} connects`, client.connect(transport));
    const next = (count) =>
      within(
        10_000,
        `${role} receives event ${count}`,
        new Promise((resolve) => {
          const check = () =>
            events.length >= count ? resolve(events[count - 1]) : waiters.push(check);
          check();
        }),
      );
    return { client, next, stderr: () => stderr };
  };
  const a = await connect("alpha", portA, `beta=127.0.0.1:${portB}`);
  const b = await connect("beta", portB, `alpha=127.0.0.1:${portA}`);
  try {
    const sent = await a.client.callTool({
      name: "send_message",
      arguments: { to: "beta", message: "hello beta" },
    });
    assert.ok(!sent.isError, `send_message failed: ${JSON.stringify(sent)}\n${a.stderr()}`);
    const atB = await b.next(1);
    assert.equal(atB.content, "hello beta");
    assert.equal(atB.meta?.from, "alpha");
    assert.equal(atB.meta?.to, "beta");
    assert.match(atB.meta?.message_id ?? "", /\S/);

    const reply = await b.client.callTool({
      name: "send_message",
      arguments: { to: "alpha", message: "hi alpha", reply_to: atB.meta.message_id },
    });
    assert.ok(!reply.isError, `send_message failed: ${JSON.stringify(reply)}\n${b.stderr()}`);
    const atA = await a.next(1);
    assert.equal(atA.content, "hi alpha");
    assert.equal(atA.meta?.from, "beta");
    assert.equal(atA.meta?.reply_to, atB.meta.message_id);

    for (const [role, port] of [["alpha", portA], ["beta", portB]]) {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      assert.equal(res.status, 200);
      const health = await res.json();
      assert.equal(health.role, role);
      assert.equal(health.version, pkg.version);
    }
  } finally {
    await Promise.allSettled([a.client.close(), b.client.close()]);
  }
});

test("node writes only JSON-RPC to stdout and exits by itself when stdin closes", async () => {
  const node = rawSession(pkg.bin, nodeEnv("solo", await freePort(), ""));
  try {
    const init = await node.initialize();
    assert.equal(init.result?.serverInfo?.name, "talkie-walkie", node.stderr());
    assert.ok(init.result.capabilities.experimental?.["claude/channel"]);
    node.send({ method: "notifications/initialized" });
    const tools = await node.request("tools/list");
    assert.deepEqual(
      tools.result.tools.map((t) => t.name).sort(),
      ["broadcast_message", "list_peers", "send_message"],
    );
    node.child.stdin.end();
    // The bound catches a node that hangs; how fast it exits is not measured across processes.
    const code = await within(15_000, "exit after stdin closed", node.exited);
    assert.equal(code, 0);
    const notJsonRpc = node.lines.filter((line) => {
      try {
        return JSON.parse(line).jsonrpc !== "2.0";
      } catch {
        return true;
      }
    });
    assert.deepEqual(notJsonRpc, [], "every stdout line is a JSON-RPC message");
  } finally {
    node.kill();
  }
});

test("port in use under Node: stderr says so and MCP still answers", async () => {
  const taken = await freePort({ hold: true });
  const node = rawSession(pkg.bin, nodeEnv("second", taken.port, ""));
  try {
    const init = await node.initialize();
    assert.equal(init.result?.serverInfo?.name, "talkie-walkie");
    await node.waitStderr(new RegExp(`port ${taken.port} .*already in use`));
    node.child.stdin.end();
    assert.equal(await within(15_000, "exit after stdin closed", node.exited), 0);
  } finally {
    node.kill();
    await taken.release();
  }
});

test("viewer and demo run from the installed package", async () => {
  const viewer = await exec(pkg.bin, ["viewer", "--help"]);
  assert.match(viewer.stdout, /viewer/);
  const demo = await exec(pkg.bin, ["demo", "--duration", "2"], { timeout: 30_000 });
  assert.match(demo.stdout, /^Mesh up: /m, demo.stderr);
});
