/**
 * Benchmark 2, throughput: 16 concurrent senders POST `/message` to one node for a fixed time;
 * every accepted message must arrive as a channel event at the node's MCP client (a lost one
 * fails the run). Baseline, same run: the same load against the bare `node:http` floor.
 *
 * @module
 */

import { postLoad } from "./_load.ts";
import {
  type BenchNode,
  cpuMs,
  freePorts,
  type Runtime,
  sleep,
  startFloor,
  startNode,
} from "./_lib.ts";
import { num, say } from "./_report.ts";

/** Options of one throughput run. */
export interface ThroughputOptions {
  seconds: number;
  senders: number;
}

/** What {@linkcode throughput} measured. */
export interface ThroughputResult {
  seconds: number;
  senders: number;
  accepted: number;
  events: number;
  lost: number;
  duplicates: number;
  failures: Record<string, number>;
  /** Accepted POSTs per second, and channel events per second until the last one arrived. */
  acceptedPerSecond: number;
  eventsPerSecond: number;
  floorPerSecond: number;
  /** CPU time the receiving process spent per message, in microseconds (load-independent). */
  cpuUsPerMessage: number;
  floorCpuUsPerMessage: number;
}

/** Waits until `count()` reaches `target` or stops growing for `idleMs`. */
export async function drain(count: () => number, target: number, idleMs = 3000): Promise<void> {
  let last = -1, since = performance.now();
  while (count() < target) {
    if (count() !== last) [last, since] = [count(), performance.now()];
    else if (performance.now() - since > idleMs) return;
    await sleep(5);
  }
}

/** Runs benchmark 2 under `rt` and prints its summary lines. */
export async function throughput(rt: Runtime, o: ThroughputOptions): Promise<ThroughputResult> {
  const scope = `throughput/${rt.name}`;
  const floor = await startFloor(rt);
  let floorPerSecond: number, floorCpuUsPerMessage: number;
  try {
    const cpu0 = cpuMs(floor.pid);
    const f = await postLoad({
      url: floor.url,
      senders: o.senders,
      until: performance.now() + o.seconds * 1000,
      prefix: "f",
    });
    floorPerSecond = f.accepted.length / (f.elapsedMs / 1000);
    floorCpuUsPerMessage = (cpuMs(floor.pid) - cpu0) * 1000 / f.accepted.length;
  } finally {
    floor.close();
  }

  const [port] = await freePorts(1);
  const seen = new Set<string>();
  let duplicates = 0, lastEventAt = 0;
  let node: BenchNode | undefined;
  try {
    node = await startNode(rt, {
      role: "sink",
      port,
      onEvent: (p) => {
        const id = p.meta?.message_id ?? "";
        if (seen.has(id)) duplicates++;
        seen.add(id);
        lastEventAt = performance.now();
      },
    });
    const cpu0 = cpuMs(node.pid);
    const started = performance.now();
    const load = await postLoad({
      url: node.url,
      senders: o.senders,
      until: started + o.seconds * 1000,
      prefix: "t",
    });
    await drain(() => seen.size, load.accepted.length);
    const cpuUsPerMessage = (cpuMs(node.pid) - cpu0) * 1000 / load.accepted.length;
    const lost = load.accepted.filter((id) => !seen.has(id)).length;
    const result: ThroughputResult = {
      seconds: o.seconds,
      senders: o.senders,
      accepted: load.accepted.length,
      events: seen.size,
      lost,
      duplicates,
      failures: load.failures,
      acceptedPerSecond: load.accepted.length / (load.elapsedMs / 1000),
      eventsPerSecond: seen.size / ((lastEventAt - started) / 1000),
      floorPerSecond,
      cpuUsPerMessage,
      floorCpuUsPerMessage,
    };
    say(
      scope,
      "POST -> channel event",
      `${num(result.eventsPerSecond, 0)} msg/s events, ${num(result.acceptedPerSecond, 0)} ` +
        `msg/s accepted (${result.accepted} in ${o.seconds} s, ${o.senders} senders)`,
    );
    say(scope, "floor node:http POST", `${num(floorPerSecond, 0)} msg/s`);
    say(
      scope,
      "CPU per message",
      `${num(cpuUsPerMessage, 0)} µs in the node, ${num(floorCpuUsPerMessage, 0)} µs in the ` +
        `floor (one core's ceiling: ${num(1e6 / cpuUsPerMessage, 0)} vs ` +
        `${num(1e6 / floorCpuUsPerMessage, 0)} msg/s)`,
    );
    const failed = Object.entries(load.failures).map(([k, v]) => `${v}x ${k}`).join(", ");
    say(
      scope,
      "delivery",
      `${result.events}/${result.accepted} events, ${lost} lost, ${duplicates} duplicate` +
        (failed ? `, refused: ${failed}` : ""),
    );
    return result;
  } finally {
    await node?.close();
  }
}
