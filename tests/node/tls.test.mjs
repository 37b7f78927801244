// Smoke test of HTTPS between two nodes of the npm build under Node: the receiving node serves
// INTERCOM_TLS_CERT/KEY, the sender trusts its private CA through INTERCOM_CA (an undici Agent
// under Node), both with INTERCOM_REQUIRE_SIGNATURE=1; without INTERCOM_CA the sender reports
// "TLS certificate not trusted". Needs npm/ built first (`npm test` does that) and openssl.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, test } from "node:test";
import { z } from "zod";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { makeCertificates } from "../support/certs.mjs";
import { childEnv, freePort, within } from "./_package.mjs";

const root = new URL("../..", import.meta.url).pathname;
const bin = join(root, "npm/bin/claude-talkie-walkie.cjs");
const SECRET = "tls-smoke-secret-0123456789abcdef";
const OPENSSL = ["/usr/bin/openssl", "/usr/local/bin/openssl"].find((p) => existsSync(p));
const skip = OPENSSL ? false : "openssl is not installed (looked in /usr/bin and /usr/local/bin)";

const ChannelEvent = z.object({
  method: z.literal("notifications/claude/channel"),
  params: z.object({
    content: z.string(),
    meta: z.record(z.string(), z.string()),
  }),
});

/** Starts the npm build's bin as an MCP server over stdio and connects a client to it. */
async function connect(role, env) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin],
    env: childEnv({
      MY_ROLE: role,
      INTERCOM_HOST: "127.0.0.1",
      INTERCOM_SECRET: SECRET,
      INTERCOM_REQUIRE_SIGNATURE: "1",
      ...env,
    }),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d) => stderr += d);
  const client = new Client({ name: `tls-smoke-${role}`, version: "0" });
  const events = [];
  const waiters = [];
  client.setNotificationHandler(ChannelEvent, ({ params }) => {
    events.push(params);
    waiters.splice(0).forEach((w) => w());
  });
  const node = {
    client,
    stderr: () => stderr,
    /** Resolves to the first channel event whose content is `content`. */
    receive: (content) =>
      within(
        10_000,
        `${role} receives "${content}"`,
        new Promise((resolve) => {
          const check = () => {
            const event = events.find((e) => e.content === content);
            if (event) resolve(event);
            else waiters.push(check);
          };
          check();
        }),
      ),
    async call(name, args = {}) {
      const result = await within(
        15_000,
        `${role} ${name}`,
        client.callTool({ name, arguments: args }),
      );
      return {
        isError: Boolean(result.isError),
        text: result.content.map((c) => c.text).join("\n"),
      };
    },
    async close() {
      const pid = transport.pid;
      await within(5_000, `${role} closes`, client.close()).catch(() => {});
      try {
        if (pid) process.kill(pid, "SIGKILL");
      } catch { /* already gone */ }
    },
  };
  started.push(node);
  await within(15_000, `${role} connects`, client.connect(transport));
  // initialize is answered before the node has loaded; a ping is answered once it has (its
  // listener is up by then).
  await within(60_000, `${role} is up`, client.ping());
  return node;
}

const started = [];
let dir;
let certs;
before(async () => {
  if (skip) return;
  if (!existsSync(bin)) {
    throw new Error(
      "npm/ is missing: build it first with `deno task build:npm` (npm test builds it)",
    );
  }
  dir = mkdtempSync(join(tmpdir(), "talkie-walkie-tls-smoke-"));
  certs = await makeCertificates(dir);
}, { timeout: 60_000 });
after(async () => {
  await Promise.allSettled(started.map((n) => n.close()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test(
  "HTTPS under Node: a peer trusting INTERCOM_CA delivers a signed message",
  { skip },
  async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const a = await connect("alpha", {
      INTERCOM_PORT: String(portA),
      INTERCOM_TLS_CERT: certs.certPath,
      INTERCOM_TLS_KEY: certs.keyPath,
      PEERS: `beta=127.0.0.1:${portB}`,
    });
    const b = await connect("beta", {
      INTERCOM_PORT: String(portB),
      INTERCOM_CA: certs.caPath,
      PEERS: `alpha=https://localhost:${portA}`,
    });
    try {
      assert.match(a.stderr(), new RegExp(`listening on https://127\\.0\\.0\\.1:${portA}`));
      const peers = await b.call("list_peers");
      assert.match(
        peers.text,
        new RegExp(`alpha\\s+https://localhost:${portA}\\s+online`),
        peers.text,
      );

      const sent = await b.call("send_message", { to: "alpha", message: "hello over https" });
      assert.ok(!sent.isError, `send_message failed: ${sent.text}\n${b.stderr()}`);
      assert.match(sent.text, /^Delivered to "alpha" \(https:\/\/localhost:\d+\)/);
      const event = await a.receive("hello over https");
      assert.equal(event.meta.from, "beta");
      assert.equal(event.meta.to, "alpha");
      assert.match(sent.text, new RegExp(event.meta.message_id));

      for (const text of [a.stderr(), b.stderr(), peers.text, sent.text, JSON.stringify(event)]) {
        assert.ok(!text.includes(SECRET), "the secret appears in a log, result or event");
      }
    } finally {
      await Promise.allSettled([a.close(), b.close()]);
    }
  },
);

test(
  "HTTPS under Node: without INTERCOM_CA the peer's certificate is not trusted",
  { skip },
  async () => {
    const [portA, portC] = [await freePort(), await freePort()];
    const a = await connect("alpha", {
      INTERCOM_PORT: String(portA),
      INTERCOM_TLS_CERT: certs.certPath,
      INTERCOM_TLS_KEY: certs.keyPath,
    });
    const c = await connect("gamma", {
      INTERCOM_PORT: String(portC),
      PEERS: `alpha=https://localhost:${portA}`,
    });
    try {
      const peers = await c.call("list_peers");
      assert.match(peers.text, /alpha .*offline: TLS certificate not trusted/, peers.text);
      const sent = await c.call("send_message", { to: "alpha", message: "never arrives" });
      assert.match(sent.text, /TLS certificate not trusted/, sent.text);
      assert.doesNotMatch(sent.text, /^Delivered/);
    } finally {
      await Promise.allSettled([a.close(), c.close()]);
    }
  },
);
