// The store under Node (node:sqlite of Node 22.13+): an installed node killed with queued
// messages delivers them after it restarts, and a receiver restarted keeps its unread messages
// and finds them with search_messages. Needs npm/ built first (`npm test` does that).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, test } from "node:test";
import { z } from "zod";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { childEnv, freePort, packAndInstall, within } from "./_package.mjs";

const SECRET = "store-smoke-secret-0123456789abcdef";
const ChannelEvent = z.object({
  method: z.literal("notifications/claude/channel"),
  params: z.object({ content: z.string(), meta: z.record(z.string(), z.string()).optional() }),
});

/** @type {Awaited<ReturnType<typeof packAndInstall>>} */
let pkg;
let state;
before(async () => {
  pkg = await packAndInstall();
  state = mkdtempSync(join(tmpdir(), "talkie-store-smoke-"));
}, { timeout: 180_000 });
after(() => {
  if (pkg) rmSync(pkg.dir, { recursive: true, force: true });
  if (state) rmSync(state, { recursive: true, force: true });
});

/** Starts the installed bin under an MCP client, with its store in `state/<role>`. */
async function start(role, port, peers) {
  const transport = new StdioClientTransport({
    command: pkg.bin,
    env: childEnv({
      MY_ROLE: role,
      INTERCOM_SECRET: SECRET,
      INTERCOM_HOST: "127.0.0.1",
      INTERCOM_PORT: String(port),
      PEERS: peers,
      INTERCOM_STATE_DIR: join(state, role),
    }),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d) => stderr += d);
  const client = new Client({ name: `store-${role}`, version: "0" });
  const events = [];
  const waiters = [];
  client.setNotificationHandler(ChannelEvent, ({ params }) => {
    events.push(params);
    waiters.splice(0).forEach((w) => w());
  });
  /** Resolves once `count` events arrived. */
  const received = (count) =>
    within(
      30_000,
      `${role} receives ${count} events`,
      new Promise((resolve) => {
        const check = () => events.length >= count ? resolve(events) : waiters.push(check);
        check();
      }),
    );
  await within(60_000, `${role} connects`, client.connect(transport));
  // initialize is answered before the node has loaded; a ping is answered once it has (its
  // listener is up by then).
  await within(60_000, `${role} is up`, client.ping());
  const call = async (name, args) => {
    const r = await client.callTool({ name, arguments: args });
    return r.content.map((c) => c.text).join("\n");
  };
  return { client, transport, events, received, call, stderr: () => stderr };
}

test("an installed node keeps its outbox and inbox across a SIGKILL", async () => {
  const [sPort, wPort] = [await freePort(), await freePort()];
  let scribe = await start("scribe", sPort, `west=127.0.0.1:${wPort}`);
  for (let n = 1; n <= 5; n++) {
    assert.match(
      await scribe.call("send_message", { to: "west", message: `note ${n}` }),
      /queued/i,
    );
  }
  assert.doesNotMatch(scribe.stderr(), /ExperimentalWarning/);
  process.kill(scribe.transport.pid, "SIGKILL");
  await scribe.client.close();
  const west = await start("west", wPort, `scribe=127.0.0.1:${sPort}`);
  scribe = await start("scribe", sPort, `west=127.0.0.1:${wPort}`);
  try {
    await west.received(5);
    assert.deepEqual(west.events.map((e) => e.content), [1, 2, 3, 4, 5].map((n) => `note ${n}`));
    // A channel event may come before its message is committed; the sender hears "delivered"
    // only after the commit, so west is killed once scribe heard that of all five.
    const delivered = () =>
      scribe.events.filter((e) => e.meta?.kind === "delivery_report")
        .reduce((n, e) => n + Number(e.meta.count ?? 1), 0);
    await within(
      30_000,
      "scribe hears all five delivered",
      new Promise((resolve) => {
        const check = () => delivered() >= 5 ? resolve() : setTimeout(check, 20);
        check();
      }),
    );
    process.kill(west.transport.pid, "SIGKILL");
    await west.client.close();
    const again = await start("west", wPort, `scribe=127.0.0.1:${sPort}`);
    try {
      assert.match(await again.call("read_messages", {}), /^5 messages, oldest first\./);
      assert.match(await again.call("search_messages", { query: "note" }), /scribe → west/);
    } finally {
      await again.client.close();
    }
  } finally {
    await scribe.client.close();
  }
});
