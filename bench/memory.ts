/**
 * Benchmark 4, memory: the node's resident set (`VmRSS` of /proc/<pid>/status) after start,
 * after 1,000 messages and after 100,000, each message POSTed and delivered as a channel event
 * (all of them must arrive). The baseline is the RSS after start; the figure is the growth
 * from 1,000 to 100,000 messages.
 *
 * @module
 */

import { postLoad } from "./_load.ts";
import { type BenchNode, freePorts, rssKiB, type Runtime, sleep, startNode } from "./_lib.ts";
import { drain } from "./throughput.ts";
import { num, say } from "./_report.ts";

/** Options of one memory run. */
export interface MemoryOptions {
  /** Messages at the first and the second reading. */
  first: number;
  second: number;
  /** A third reading after this many, to tell heap sizing from a leak (growth must stop). */
  third: number;
  senders: number;
}

/** What {@linkcode memory} measured, in KiB. */
export interface MemoryResult {
  first: number;
  second: number;
  rssStartKiB: number;
  rssFirstKiB: number;
  rssSecondKiB: number;
  rssThirdKiB: number;
  growthKiB: number;
  /** Growth from the second to the third reading: near 0 when nothing leaks. */
  lateGrowthKiB: number;
  lost: number;
  refused: number;
  seconds: number;
}

/** Runs benchmark 4 under `rt` and prints its summary lines. */
export async function memory(rt: Runtime, o: MemoryOptions): Promise<MemoryResult> {
  const scope = `memory/${rt.name}`;
  const [port] = await freePorts(1);
  let events = 0;
  let node: BenchNode | undefined;
  const started = performance.now();
  try {
    node = await startNode(rt, { role: "sink", port, onEvent: () => events++ });
    const reading = async () => {
      await sleep(1000); // let the node settle (timers, pending writes) before reading
      return rssKiB(node!.pid);
    };
    const rssStartKiB = await reading();
    let refused = 0, accepted = 0;
    const load = async (count: number, prefix: string) => {
      const r = await postLoad({ url: node!.url, senders: o.senders, count, prefix });
      accepted += r.accepted.length;
      refused += count - r.accepted.length;
      await drain(() => events, accepted);
    };
    await load(o.first, "a");
    const rssFirstKiB = await reading();
    await load(o.second - o.first, "b");
    const rssSecondKiB = await reading();
    await load(o.third - o.second, "c");
    const rssThirdKiB = await reading();
    const result: MemoryResult = {
      ...o,
      rssStartKiB,
      rssFirstKiB,
      rssSecondKiB,
      rssThirdKiB,
      growthKiB: rssSecondKiB - rssFirstKiB,
      lateGrowthKiB: rssThirdKiB - rssSecondKiB,
      lost: accepted - events,
      refused,
      seconds: (performance.now() - started) / 1000,
    };
    const mb = (kib: number) => `${num(kib / 1024, 1)} MB`;
    say(
      scope,
      "RSS",
      `start ${mb(rssStartKiB)}, after ${num(o.first, 0)} msgs ${mb(rssFirstKiB)}, ` +
        `after ${num(o.second, 0)} ${mb(rssSecondKiB)}, after ${num(o.third, 0)} ${
          mb(rssThirdKiB)
        }`,
    );
    say(
      scope,
      "growth",
      `${mb(result.growthKiB)} from ${num(o.first, 0)} to ${num(o.second, 0)} messages ` +
        `(${events} events, ${result.lost} lost, ${refused} refused)`,
    );
    // V8 grows its heap before it collects in earnest; a leak keeps growing after that.
    say(
      scope,
      "late growth (leak check)",
      `${mb(result.lateGrowthKiB)} from ${num(o.second, 0)} to ${num(o.third, 0)} messages`,
    );
    return result;
  } finally {
    await node?.close();
  }
}
