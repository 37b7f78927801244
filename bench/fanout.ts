/**
 * Benchmark 3, fan-out: 100 `GET /events` subscribers while messages arrive at a steady rate
 * (1,000 a second); every subscriber must get every event once (a lost one fails the run). The
 * figure is the delivery latency from the POST being sent to the SSE event being read, over all
 * subscribers. Baseline, same run: the bare `node:http` floor streaming each POST body to the
 * same number of subscribers.
 *
 * @module
 */

import {
  cpuMs,
  freePorts,
  type Runtime,
  SECRET,
  sleep,
  startFloor,
  startNode,
  waitFor,
} from "./_lib.ts";
import { drain } from "./throughput.ts";
import { openRawSse, type RawSse } from "./_sse_reader.ts";
import { describeStats, num, say, type Stats, stats } from "./_report.ts";

/** Options of one fan-out run. */
export interface FanoutOptions {
  subscribers: number;
  /** Messages a second, and for how long. */
  rate: number;
  seconds: number;
}

/** One side of the comparison. */
export interface FanoutRun {
  sent: number;
  accepted: number;
  /** Events each subscriber should have had (accepted × subscribers), and those that came. */
  expected: number;
  received: number;
  lost: number;
  duplicates: number;
  failures: number;
  latency: Stats;
  /** CPU time of the serving process per message (all its subscribers), microseconds. */
  cpuUsPerMessage: number;
}

const MESSAGE = "f".repeat(200);
const ID = /"message_id":"p(\d+)"/g;

/** Subscribes `n` readers to `url/events`, sends the paced load, and collects latencies. */
async function run(url: string, pid: number, o: FanoutOptions): Promise<FanoutRun> {
  const total = o.rate * o.seconds;
  const sentAt = new Float64Array(total);
  const arrival = new Float64Array(total * o.subscribers).fill(NaN);
  let received = 0, duplicates = 0;
  const subs: RawSse[] = [];
  const ready: Promise<void>[] = [];
  for (let s = 0; s < o.subscribers; s++) {
    let buffer = "", hello!: () => void;
    ready.push(new Promise((resolve) => hello = resolve));
    subs.push(
      await openRawSse(url, { "x-intercom-secret": SECRET }, (text, now) => {
        buffer += text;
        const end = buffer.lastIndexOf("\n\n");
        if (end < 0) return;
        const complete = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (complete.includes("event: hello")) hello();
        for (const m of complete.matchAll(ID)) {
          const at = s * total + Number(m[1]);
          if (!Number.isNaN(arrival[at])) duplicates++;
          else received++;
          arrival[at] = now;
        }
      }),
    );
  }
  await Promise.all(ready);

  let next = 0, inflight = 0, failures = 0, accepted = 0;
  const cpu0 = cpuMs(pid);
  const started = performance.now();
  while (next < total) {
    const due = Math.min(total, Math.floor((performance.now() - started) * o.rate / 1000) + 1);
    while (next < due && inflight < 64) {
      const id = next++;
      inflight++;
      sentAt[id] = performance.now();
      fetch(`${url}/message`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-intercom-secret": SECRET },
        body: JSON.stringify({ from: `fan-${id}`, message: MESSAGE, message_id: `p${id}` }),
      }).then(async (r) => {
        await r.text();
        if (r.ok) accepted++;
        else failures++;
      }, () => failures++).finally(() => inflight--);
    }
    await sleep(1);
  }
  await waitFor(() => inflight === 0, "the last POSTs", { timeoutMs: 15_000 });
  await drain(() => received, accepted * o.subscribers);
  const cpuUsPerMessage = (cpuMs(pid) - cpu0) * 1000 / accepted;
  for (const sub of subs) sub.close();
  await Promise.allSettled(subs.map((sub) => sub.done));

  const latencies = new Float64Array(received);
  let k = 0;
  for (let s = 0; s < o.subscribers; s++) {
    for (let i = 0; i < total; i++) {
      const at = arrival[s * total + i];
      if (!Number.isNaN(at)) latencies[k++] = at - sentAt[i];
    }
  }
  const expected = accepted * o.subscribers;
  return {
    sent: total,
    accepted,
    expected,
    received,
    lost: expected - received,
    duplicates,
    failures,
    latency: stats(latencies),
    cpuUsPerMessage,
  };
}

/** Runs benchmark 3 under `rt` and prints its summary lines. */
export async function fanout(
  rt: Runtime,
  o: FanoutOptions,
): Promise<{ ours: FanoutRun; floor: FanoutRun; addedP99: number }> {
  const scope = `fanout/${rt.name}`;
  const server = await startFloor(rt);
  let floor: FanoutRun;
  try {
    floor = await run(server.url, server.pid, o);
  } finally {
    server.close();
  }
  const [port] = await freePorts(1);
  const node = await startNode(rt, { role: "hub", port });
  let ours: FanoutRun;
  try {
    ours = await run(node.url, node.pid, o);
  } finally {
    await node.close();
  }
  const addedP99 = ours.latency.p99 - floor.latency.p99;
  const what = `${o.subscribers} subscribers, ${o.rate} msg/s for ${o.seconds} s`;
  say(scope, "POST -> SSE event", `${describeStats(ours.latency)}  (${what})`);
  say(scope, "floor node:http SSE", describeStats(floor.latency));
  say(
    scope,
    "CPU per message",
    `${num(ours.cpuUsPerMessage, 0)} µs in the node, ${num(floor.cpuUsPerMessage, 0)} µs in ` +
      `the floor (${o.subscribers} copies each)`,
  );
  say(scope, "added vs floor", `p99 ${addedP99 < 0 ? "" : "+"}${num(addedP99)} ms`);
  say(
    scope,
    "delivery",
    `${ours.received}/${ours.expected} events, ${ours.lost} lost, ${ours.duplicates} duplicate, ` +
      `${ours.failures} POSTs refused (floor: ${floor.lost} lost)`,
  );
  return { ours, floor, addedP99 };
}
