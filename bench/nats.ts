/**
 * Broker-mode benchmark (`deno run -A bench/nats.ts [--nodes 30] [--messages 200]`): N nodes
 * on one local `nats-server -js`, a broadcast from one reaching the other N-1 (time from the
 * tool call to the last channel event), and direct-message latency (tool call to channel
 * event) over NATS beside the HTTP mesh in the same run. `--durable` runs the nodes with
 * INTERCOM_NATS_DURABLE=1 and counts the JetStream API requests made while direct messages go
 * (the broker round trips of a send beside its one request). Writes `bench/results/nats.json`.
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { Client, StdioClientTransport } from "../src/platform/sdk.ts";
import { ChannelEventSchema } from "../src/node/channel.ts";
import { freePorts, kill, nodeEnv, ROOT, SECRET, sleep } from "./_lib.ts";
import { describeStats, machine, num, say, stats, writeResult } from "./_report.ts";
import { NatsServer } from "../tests/support/nats.ts";

const ChannelEvent = ChannelEventSchema;

interface Node {
  role: string;
  client: Client;
  close(): Promise<void>;
}

/** Starts a node under Deno with `env` on top of the benchmark environment. */
async function start(
  role: string,
  env: Record<string, string>,
  onEvent: (role: string, content: string, at: number) => void,
  peers: Record<string, number> = {},
): Promise<Node> {
  const [port] = await freePorts(1);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ["run", "-A", "main.ts"],
    cwd: ROOT,
    env: { ...nodeEnv({ role, port, peers }), PATH: process.env.PATH ?? "", ...env },
    stderr: "pipe",
  });
  const client = new Client({ name: "bench", version: "0" });
  client.setNotificationHandler(ChannelEvent, (n) => {
    onEvent(role, n.params.content, performance.now());
  });
  await client.connect(transport);
  return {
    role,
    client,
    close: async () => {
      const pid = transport.pid;
      await Promise.race([client.close().catch(() => {}), sleep(1500)]);
      kill(pid);
    },
  };
}

const text = (r: unknown) =>
  ((r as { content: { text?: string }[] }).content ?? []).map((c) => c.text ?? "").join("\n");

/** Direct-message latency from `a` to `b`: tool call to channel event, one after another. */
async function direct(a: Node, b: Node, messages: number, arrivals: Map<string, number>) {
  const samples: number[] = [];
  for (let i = 0; i < messages + 10; i++) {
    const tag = `#d${i}`;
    const t0 = performance.now();
    const r = await a.client.callTool({
      name: "send_message",
      arguments: { to: b.role, message: tag },
    });
    if (!/^Delivered/.test(text(r))) throw new Error(`direct message ${i}: ${text(r)}`);
    while (!arrivals.has(`${b.role}${tag}`)) await sleep(0.2);
    if (i >= 10) samples.push(arrivals.get(`${b.role}${tag}`)! - t0);
  }
  return stats(samples);
}

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    nodes: { type: "string", default: "30" },
    messages: { type: "string", default: "200" },
    durable: { type: "boolean", default: false },
  },
});
const count = Number(values.nodes);
const messages = Number(values.messages);
const arrivals = new Map<string, number>();
const onEvent = (role: string, content: string, at: number) =>
  arrivals.set(`${role}${content}`, at);
const server = await NatsServer.start();
const nodes: Node[] = [];
try {
  const env: Record<string, string> = { INTERCOM_NATS_URL: server.url, INTERCOM_SECRET: SECRET };
  if (values.durable) env.INTERCOM_NATS_DURABLE = "1";
  const t0 = performance.now();
  // In batches, so 30 Deno processes do not all compile at once.
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: Math.min(10, count - i) }, (_, j) => `n${i + j}`);
    nodes.push(...await Promise.all(batch.map((r) => start(r, env, onEvent))));
  }
  const [first] = nodes;
  for (const deadline = performance.now() + 30_000;;) {
    const listing = text(await first.client.callTool({ name: "list_peers", arguments: {} }));
    if ((listing.match(/online \(/g) ?? []).length >= count - 1) break;
    if (performance.now() > deadline) throw new Error(`not all members online:\n${listing}`);
    await sleep(200);
  }
  say("nats", `${count} nodes up`, `${num((performance.now() - t0) / 1000)} s`);

  const toLast: number[] = [];
  for (let i = 0; i < 20; i++) {
    const tag = `#b${i}`;
    const s = performance.now();
    const r = await first.client.callTool({
      name: "broadcast_message",
      arguments: { message: tag },
    });
    if (!/Delivered to all/.test(text(r))) throw new Error(`broadcast ${i}: ${text(r)}`);
    const others = nodes.slice(1);
    while (!others.every((n) => arrivals.has(`${n.role}${tag}`))) await sleep(0.5);
    toLast.push(Math.max(...others.map((n) => arrivals.get(`${n.role}${tag}`)!)) - s);
  }
  const broadcast = stats(toLast);
  say("nats", `broadcast to ${count - 1}`, describeStats(broadcast));

  // Every JetStream API request is a message on $JS.API.>: a watcher counts them.
  const { connect } = await import("@nats-io/transport-node");
  const watcher = await connect({ servers: server.url });
  let apiRequests = 0;
  const counting = watcher.subscribe("$JS.API.>", { callback: () => void apiRequests++ });
  await watcher.flush();
  const natsDirect = await direct(first, nodes[1], messages, arrivals);
  counting.unsubscribe();
  await watcher.close();
  const roundTrips = 1 + apiRequests / (messages + 10);
  say("nats", "direct (NATS)", describeStats(natsDirect));
  say("nats", "broker round trips per direct send", num(roundTrips));

  const [pa, pb] = await freePorts(2);
  const ha = await start("ha", { INTERCOM_PORT: String(pa) }, onEvent, { hb: pb });
  const hb = await start("hb", { INTERCOM_PORT: String(pb) }, onEvent, { ha: pa });
  nodes.push(ha, hb);
  await sleep(500);
  const httpDirect = await direct(ha, hb, messages, arrivals);
  say("nats", "direct (HTTP mesh)", describeStats(httpDirect));
  const path = writeResult("nats", {
    machine: machine(),
    nodes: count,
    durable: values.durable,
    brokerRoundTripsPerSend: roundTrips,
    broadcastToLastMs: broadcast,
    directNatsMs: natsDirect,
    directHttpMs: httpDirect,
  });
  console.log(`wrote ${path}`);
} finally {
  await Promise.all(nodes.map((n) => n.close()));
  await server.stop();
}
