/**
 * Benchmark 1, latency: the `send_message` tool call at node A's MCP client to the channel
 * event at node B's MCP client, messages sent one after another. References, in the same run:
 * the lean relay (`bench/_lean_relay.mjs`, the shortest stdio -> HTTP -> stdio path, two
 * processes driven by the same MCP clients: the goal is p50 at most the lean one's), and a bare
 * `node:http` server with a `node:http` keep-alive client doing the same POST with the same
 * body (and the same POST with `fetch`). The relay and our nodes run in alternating rounds, so
 * both see the same load.
 *
 * @module
 */

import { Agent, request } from "node:http";
import {
  type BenchNode,
  cpuMs,
  freePorts,
  type Runtime,
  SECRET,
  startFloor,
  startLean,
  startNode,
} from "./_lib.ts";
import { describeStats, num, say, type Stats, stats } from "./_report.ts";

/** Options of one latency run. */
export interface LatencyOptions {
  messages: number;
  warmup: number;
}

/** What {@linkcode latency} measured, in milliseconds. */
export interface LatencyResult {
  messages: number;
  toolToEvent: Stats;
  toolResult: Stats;
  /** CPU time of both nodes together per message, in microseconds. */
  cpuUsPerMessage: number;
  /** The same for the two lean relays. */
  leanCpuUsPerMessage: number;
  /** The lean stdio -> HTTP -> stdio relay, same clients, alternating rounds. */
  lean: Stats;
  floorNodeHttp: Stats;
  floorFetch: Stats;
  /** p50 of ours / p50 of the lean relay: the goal is at most 1. */
  ratioLeanP50: number;
  ratioP50: number;
  ratioP99: number;
}

/** Rounds the timed messages are split into, alternating ours and the lean relay. */
const ROUNDS = 4;

/** A 200-byte message text starting with its number. */
function body(i: number): string {
  const head = `#${i} `;
  return head + "m".repeat(200 - head.length);
}

/** Two processes A and B that relay a tool call at A to a channel event at B. */
async function pair(rt: Runtime, lean: boolean, waiters: Map<string, (t: number) => void>) {
  const [portA, portB] = await freePorts(2);
  const start = lean ? startLean : startNode;
  const b = await start(rt, {
    role: "b",
    port: portB,
    peers: { a: portA },
    onEvent: (p) => waiters.get(p.content.slice(0, p.content.indexOf(" ")))?.(performance.now()),
  });
  try {
    return { a: await start(rt, { role: "a", port: portA, peers: { b: portB } }), b };
  } catch (e) {
    await b.close();
    throw e;
  }
}

async function ours(rt: Runtime, o: LatencyOptions, lean = false) {
  const waiters = new Map<string, (t: number) => void>();
  let a: BenchNode | undefined, b: BenchNode | undefined;
  try {
    ({ a, b } = await pair(rt, lean, waiters));
    const event: number[] = [], tool: number[] = [];
    let cpu0 = 0;
    for (let i = 0; i < o.warmup + o.messages; i++) {
      if (i === o.warmup) cpu0 = cpuMs(a.pid) + cpuMs(b.pid);
      const text = body(i);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const arrived = new Promise<number>((resolve, reject) => {
        waiters.set(`#${i}`, resolve);
        timer = setTimeout(() => reject(new Error(`Message #${i} LOST: no event in 5 s`)), 5000);
      });
      arrived.catch(() => {}); // awaited below; a failed tool call must not leave it unhandled
      const t0 = performance.now();
      const result = await a.client.callTool({
        name: "send_message",
        arguments: { to: "b", message: text },
      });
      const t1 = performance.now();
      if (result.isError) throw new Error(`send_message failed: ${JSON.stringify(result)}`);
      const t2 = await arrived.finally(() => clearTimeout(timer));
      waiters.delete(`#${i}`);
      if (i >= o.warmup) {
        event.push(t2 - t0);
        tool.push(t1 - t0);
      }
    }
    const cpuUsPerMessage = (cpuMs(a.pid) + cpuMs(b.pid) - cpu0) * 1000 / o.messages;
    return { events: event, tools: tool, cpuUsPerMessage };
  } finally {
    await Promise.all([a?.close(), b?.close()]);
  }
}

async function floor(rt: Runtime, o: LatencyOptions) {
  const server = await startFloor(rt);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const payload = JSON.stringify({ from: "a", to: "b", message: body(0), message_id: "x" });
    const viaHttp = () =>
      new Promise<void>((resolve, reject) => {
        const req = request(`${server.url}/message`, {
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "x-intercom-secret": SECRET,
            "content-length": Buffer.byteLength(payload),
          },
        }, (res) => {
          res.on("data", () => {});
          res.on("end", () => resolve());
        });
        req.on("error", reject);
        req.end(payload);
      });
    const viaFetch = async () => {
      const r = await fetch(`${server.url}/message`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-intercom-secret": SECRET },
        body: payload,
      });
      await r.text();
    };
    const time = async (call: () => Promise<void>) => {
      const out: number[] = [];
      for (let i = 0; i < o.warmup + o.messages; i++) {
        const t0 = performance.now();
        await call();
        if (i >= o.warmup) out.push(performance.now() - t0);
      }
      return stats(out);
    };
    return { floorNodeHttp: await time(viaHttp), floorFetch: await time(viaFetch) };
  } finally {
    agent.destroy();
    server.close();
  }
}

/** Runs benchmark 1 under `rt` and prints its summary lines. */
export async function latency(rt: Runtime, o: LatencyOptions): Promise<LatencyResult> {
  const scope = `latency/${rt.name}`;
  const f = await floor(rt, o);
  // Alternating rounds: a change in the machine's load hits ours and the lean relay alike.
  const round = { messages: Math.ceil(o.messages / ROUNDS), warmup: o.warmup };
  const event: number[] = [], tool: number[] = [], leanEvent: number[] = [];
  let cpu = 0, leanCpu = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const l = await ours(rt, round, true);
    leanEvent.push(...l.events);
    leanCpu += l.cpuUsPerMessage / ROUNDS;
    const n = await ours(rt, round);
    event.push(...n.events);
    tool.push(...n.tools);
    cpu += n.cpuUsPerMessage / ROUNDS;
  }
  const r = {
    toolToEvent: stats(event),
    toolResult: stats(tool),
    cpuUsPerMessage: cpu,
    leanCpuUsPerMessage: leanCpu,
  };
  const lean = stats(leanEvent);
  const ratioLeanP50 = r.toolToEvent.p50 / lean.p50;
  const ratioP50 = r.toolToEvent.p50 / f.floorNodeHttp.p50;
  const ratioP99 = r.toolToEvent.p99 / f.floorNodeHttp.p99;
  say(scope, "tool call -> event", describeStats(r.toolToEvent) + `  (n ${o.messages})`);
  say(scope, "tool call -> result", describeStats(r.toolResult));
  say(
    scope,
    "CPU per message",
    `${num(r.cpuUsPerMessage, 0)} µs in nodes A and B together ` +
      `(lean relay: ${num(leanCpu, 0)} µs)`,
  );
  say(scope, "lean relay", describeStats(lean));
  say(scope, "floor node:http POST", describeStats(f.floorNodeHttp));
  say(scope, "floor fetch POST", describeStats(f.floorFetch));
  say(
    scope,
    "ours vs floor",
    `p50 ${num(r.toolToEvent.p50)} ms = ${num(ratioLeanP50, 2)}x lean = ` +
      `${num(ratioP50, 1)}x floor, ` +
      `p99 ${num(r.toolToEvent.p99)} ms = ${num(ratioP99, 1)}x floor`,
  );
  return { messages: o.messages, ...r, lean, ...f, ratioLeanP50, ratioP50, ratioP99 };
}
