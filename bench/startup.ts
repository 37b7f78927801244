/**
 * Benchmark 5, start-up: from spawning a node to its `/health` answering (the client connects
 * at once, the health poll runs every 2 ms), and, in a spawn of its own without that poll (as
 * the empty program runs), to the MCP `initialize` request being answered: the node's start-up
 * front end answers it before the node has loaded. Baselines, same run: the bare `node:http` floor
 * server from spawn to its first answer, and an empty program of the same runtime answering the
 * same `initialize` (`bench/_floor_mcp.mjs`, no imports) to the same MCP client. On Linux also
 * the CPU time each process had used when its `initialize` answer arrived (all its threads, from
 * `/proc/<pid>/task/<tid>/schedstat`): on a shared, loaded machine it varies less than the wall
 * time.
 *
 * @module
 */

import { readdirSync, readFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Client, StdioClientTransport } from "../src/platform/sdk.ts";
import {
  freePorts,
  kill,
  NODE,
  nodeEnv,
  ROOT,
  type Runtime,
  startFloor,
  untilHealthy,
} from "./_lib.ts";
import { describeStats, num, say, type Stats, stats } from "./_report.ts";

/** Options of one start-up run. */
export interface StartupOptions {
  /** Timed starts (after one untimed warm-up start). */
  runs: number;
}

/** What {@linkcode startup} measured, in milliseconds. */
export interface StartupResult {
  runs: number;
  toHealth: Stats;
  toInitialize: Stats;
  floorToHealth: Stats;
  emptyProgram: Stats;
  /** CPU time at the answer, when `/proc` tells it (Linux). */
  cpu?: { toInitialize: Stats; emptyProgram: Stats };
}

/** CPU time used so far by every thread of process `pid`, in milliseconds; undefined off Linux. */
function cpuMs(pid: number | null | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    }
    return ns / 1e6;
  } catch {
    return undefined;
  }
}

/** Starts a node with an MCP client; `poll` also polls `/health` every 2 ms from the spawn. */
async function once(
  rt: Runtime,
  poll: boolean,
): Promise<{ health?: number; init: number; cpu?: number }> {
  const [port] = await freePorts(1);
  const transport = new StdioClientTransport({
    command: rt.command,
    args: rt.args,
    cwd: ROOT,
    env: nodeEnv({ role: "starter", port }),
    stderr: "ignore",
  });
  const client = new Client({ name: "bench", version: "0" });
  const t0 = performance.now();
  try {
    let cpu: number | undefined;
    const [init, health] = await Promise.all([
      client.connect(transport).then(() => {
        cpu = cpuMs(transport.pid);
        return performance.now();
      }),
      poll ? untilHealthy(`http://127.0.0.1:${port}`, 20_000, 2) : undefined,
    ]);
    return { health: health && health - t0, init: init - t0, cpu };
  } finally {
    const pid = transport.pid;
    await client.close().catch(() => {});
    kill(pid);
  }
}

async function floorOnce(rt: Runtime): Promise<number> {
  const t0 = performance.now();
  const floor = await startFloor(rt);
  try {
    return await untilHealthy(floor.url, 20_000, 2) - t0;
  } finally {
    floor.close();
  }
}

const FLOOR_MCP = fileURLToPath(new URL("./_floor_mcp.mjs", import.meta.url));

/** Spawn -> `initialize` answered by the empty MCP program, with the same client. */
async function emptyOnce(rt: Runtime): Promise<{ wall: number; cpu?: number }> {
  const [command, args] = rt.name === "deno"
    ? [process.execPath, ["run", "-A", FLOOR_MCP]]
    : [NODE, [FLOOR_MCP]];
  const transport = new StdioClientTransport({ command, args, stderr: "ignore" });
  const client = new Client({ name: "bench", version: "0" });
  const t0 = performance.now();
  try {
    await client.connect(transport);
    const wall = performance.now() - t0;
    return { wall, cpu: cpuMs(transport.pid) };
  } finally {
    const pid = transport.pid;
    await client.close().catch(() => {});
    kill(pid);
  }
}

/** Runs benchmark 5 under `rt` and prints its summary lines. */
export async function startup(rt: Runtime, o: StartupOptions): Promise<StartupResult> {
  const scope = `startup/${rt.name}`;
  await once(rt, true); // warm caches (Deno's module cache, the OS page cache)
  await emptyOnce(rt);
  const health: number[] = [], init: number[] = [], floor: number[] = [], empty: number[] = [];
  const cpuInit: number[] = [], cpuEmpty: number[] = [];
  for (let i = 0; i < o.runs; i++) {
    health.push((await once(rt, true)).health!);
    const r = await once(rt, false);
    init.push(r.init);
    floor.push(await floorOnce(rt));
    const e = await emptyOnce(rt);
    empty.push(e.wall);
    if (r.cpu !== undefined && e.cpu !== undefined) {
      cpuInit.push(r.cpu);
      cpuEmpty.push(e.cpu);
    }
  }
  const result: StartupResult = {
    runs: o.runs,
    toHealth: stats(health),
    toInitialize: stats(init),
    floorToHealth: stats(floor),
    emptyProgram: stats(empty),
    ...(cpuInit.length
      ? { cpu: { toInitialize: stats(cpuInit), emptyProgram: stats(cpuEmpty) } }
      : {}),
  };
  say(scope, "spawn -> /health", `${describeStats(result.toHealth)}  (${o.runs} runs)`);
  say(scope, "spawn -> initialize", describeStats(result.toInitialize));
  say(scope, "floor spawn -> answer", describeStats(result.floorToHealth));
  say(scope, "empty MCP program", describeStats(result.emptyProgram));
  say(
    scope,
    "initialize / floor",
    `${num(result.toInitialize.p50 / result.emptyProgram.p50, 2)}x the empty program (p50)`,
  );
  if (result.cpu) {
    const { toInitialize, emptyProgram } = result.cpu;
    say(
      scope,
      "CPU at initialize",
      `p50 ${num(toInitialize.p50, 1)} ms, empty program ${num(emptyProgram.p50, 1)} ms: ` +
        `${num(toInitialize.p50 / emptyProgram.p50, 2)}x`,
    );
  }
  return result;
}
