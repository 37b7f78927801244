/**
 * `npm run bench` (`deno run -A bench/main.ts`): runs the benchmarks on loopback under Deno
 * and, when `npm/` is built, under Node, prints one line per figure beside its baseline, and
 * writes `bench/results/<benchmark>.json`. Figures never fail the run; a lost or refused
 * message does (exit code 1), and so does a benchmark that errs or overruns its time bound.
 *
 * Flags: `--only latency,throughput,fanout,memory,startup,install,viewer,path`, `--quick` (a short
 * smoke run), `--runtime deno|node`. `install` (cold and warm `npx` of the packed npm package)
 * runs under Node only.
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { fanout } from "./fanout.ts";
import { install } from "./install.ts";
import { latency } from "./latency.ts";
import { NODE, type Runtime, runtimes } from "./_lib.ts";
import { memory } from "./memory.ts";
import { pathCosts, pathCostsUnderNode } from "./path_costs.ts";
import { loadAverage, machine, num, say, writeResult } from "./_report.ts";
import { startup } from "./startup.ts";
import { throughput } from "./throughput.ts";
import { viewer } from "./viewer.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    only: { type: "string" },
    quick: { type: "boolean", default: false },
    runtime: { type: "string" },
  },
});
const quick = values.quick;

/** A benchmark: runs under one runtime, returns its figures and how many messages it lost. */
interface Bench {
  /** Upper bound of one run, in seconds. */
  boundS: number;
  run(rt: Runtime): Promise<unknown>;
  /** Messages lost or refused in a result (0 when none). */
  lost?(result: never): number;
}

const BENCHES: Record<string, Bench> = {
  latency: {
    boundS: 120,
    run: (rt) => latency(rt, { messages: quick ? 200 : 2000, warmup: quick ? 20 : 100 }),
  },
  throughput: {
    boundS: 90,
    run: (rt) => throughput(rt, { seconds: quick ? 2 : 10, senders: 16 }),
    lost: (r: { lost: number; failures: Record<string, number> }) =>
      r.lost + Object.values(r.failures).reduce((a, b) => a + b, 0),
  },
  fanout: {
    boundS: 120,
    run: (rt) => fanout(rt, { subscribers: 100, rate: 1000, seconds: quick ? 2 : 10 }),
    lost: (r: { ours: { lost: number; failures: number; duplicates: number } }) =>
      r.ours.lost + r.ours.failures + r.ours.duplicates,
  },
  memory: {
    boundS: 420,
    run: (rt) =>
      memory(rt, {
        first: 1000,
        second: quick ? 10_000 : 100_000,
        third: quick ? 20_000 : 200_000,
        senders: 16,
      }),
    lost: (r: { lost: number; refused: number }) => r.lost + r.refused,
  },
  startup: { boundS: 120, run: (rt) => startup(rt, { runs: quick ? 2 : 10 }) },
  path: {
    boundS: 120,
    run: async (rt) => {
      const costs = rt.name === "deno" ? pathCosts() : await pathCostsUnderNode(NODE);
      for (const [what, us] of Object.entries(costs)) {
        say(`path/${rt.name}`, what, `${num(us, 1)} µs`);
      }
      return costs;
    },
  },
  install: { boundS: 600, run: () => install({ runs: quick ? 1 : 3 }) },
  viewer: {
    boundS: 60,
    run: (rt) =>
      Promise.resolve(viewer(rt.name, { frames: quick ? 100 : 1000, idleSeconds: 60, fps: 12 })),
  },
};

const names = values.only?.split(",").map((n) => n.trim()) ?? Object.keys(BENCHES);
for (const n of names) {
  if (!BENCHES[n]) {
    console.error(`bench: unknown benchmark "${n}": use ${Object.keys(BENCHES).join(", ")}`);
    process.exit(2);
  }
}
const { list, note } = runtimes();
const chosen = list.filter((rt) => !values.runtime || rt.name === values.runtime);
const host = machine();
console.log(
  `claude-talkie-walkie benchmarks${quick ? " (--quick)" : ""}: ${host.cpu}, ${host.cores} ` +
    `cores, deno ${host.deno}, node ${host.node}, ${host.date}, load ${host.loadavg}`,
);
if (note) console.log(`note: ${note}`);

const startedAt = performance.now();
let failed = 0, overran = false;
for (const name of names) {
  if (overran) break;
  const bench = BENCHES[name];
  const runs: Record<string, unknown> = {};
  // The viewer is pure code in this process: it runs once, under Deno. Install measures the npm
  // package: Node only.
  const under = name === "viewer"
    ? chosen.slice(0, 1)
    : name === "install"
    ? chosen.filter((rt) => rt.name === "node")
    : chosen;
  for (const rt of under) {
    if (overran) break;
    const t0 = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const overrun = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`overran its bound of ${bench.boundS} s`)),
          bench.boundS * 1000,
        );
      });
      const result = await Promise.race([bench.run(rt), overrun]);
      const lost = bench.lost?.(result as never) ?? 0;
      if (lost > 0) {
        failed++;
        console.log(`[${name}/${rt.name}] FAILED: ${lost} message(s) lost, refused or doubled`);
      }
      runs[rt.name] = { ...result as object, lostOrRefused: lost };
    } catch (e) {
      failed++;
      console.log(`[${name}/${rt.name}] FAILED: ${(e as Error)?.stack ?? e}`);
      runs[rt.name] = { error: String(e) };
      // An overrun benchmark is still running: stop here (its children end with our stdin).
      if (String(e).includes("overran")) overran = true;
    } finally {
      clearTimeout(timer);
    }
    console.log(`[${name}/${rt.name}] done in ${num((performance.now() - t0) / 1000, 1)} s`);
  }
  const path = writeResult(name, { benchmark: name, quick, machine: host, runs });
  console.log(`[${name}] results: ${path.slice(path.indexOf("bench/"))}`);
}
const total = (performance.now() - startedAt) / 1000;
console.log(
  `benchmarks done in ${num(total, 1)} s, load ${loadAverage()}` +
    (failed ? `, ${failed} FAILED` : ""),
);
process.exit(failed ? 1 : 0);
