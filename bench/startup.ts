/**
 * Benchmark 5, start-up: from spawning a node to its `/health` answering, and to the MCP
 * `initialize` request being answered, both timed from the same spawn (the client connects at
 * once, the health poll runs every 2 ms). Baselines, same run: the bare `node:http` floor
 * server from spawn to its first answer, and an empty program of the same runtime answering the
 * same `initialize` (`bench/_floor_mcp.mjs`, no imports) to the same MCP client.
 *
 * @module
 */

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
}

async function once(rt: Runtime): Promise<{ health: number; init: number }> {
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
    const [init, health] = await Promise.all([
      client.connect(transport).then(() => performance.now()),
      untilHealthy(`http://127.0.0.1:${port}`, 20_000, 2),
    ]);
    return { health: health - t0, init: init - t0 };
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
async function emptyOnce(rt: Runtime): Promise<number> {
  const [command, args] = rt.name === "deno"
    ? [process.execPath, ["run", "-A", FLOOR_MCP]]
    : [NODE, [FLOOR_MCP]];
  const transport = new StdioClientTransport({ command, args, stderr: "ignore" });
  const client = new Client({ name: "bench", version: "0" });
  const t0 = performance.now();
  try {
    await client.connect(transport);
    return performance.now() - t0;
  } finally {
    const pid = transport.pid;
    await client.close().catch(() => {});
    kill(pid);
  }
}

/** Runs benchmark 5 under `rt` and prints its summary lines. */
export async function startup(rt: Runtime, o: StartupOptions): Promise<StartupResult> {
  const scope = `startup/${rt.name}`;
  await once(rt); // warm caches (Deno's module cache, the OS page cache)
  await emptyOnce(rt);
  const health: number[] = [], init: number[] = [], floor: number[] = [], empty: number[] = [];
  for (let i = 0; i < o.runs; i++) {
    const r = await once(rt);
    health.push(r.health);
    init.push(r.init);
    floor.push(await floorOnce(rt));
    empty.push(await emptyOnce(rt));
  }
  const result: StartupResult = {
    runs: o.runs,
    toHealth: stats(health),
    toInitialize: stats(init),
    floorToHealth: stats(floor),
    emptyProgram: stats(empty),
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
  return result;
}
