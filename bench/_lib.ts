/**
 * Process helpers shared by the benchmarks: the runtimes under test, free ports, a node as a
 * child process driven by a real MCP `Client` over stdio, the bare `node:http` floor server,
 * and RSS. Every child is killed by `close()`, which the benchmarks call in `finally`.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { z } from "zod";
import { ChannelEventSchema } from "../src/node/channel.ts";
import { Client, StdioClientTransport } from "../src/platform/sdk.ts";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The shared secret every benchmark node uses. */
export const SECRET = "bench-secret-0123456789abcdef";

/** A runtime a node can run under: Deno from source, or Node from the npm build. */
export interface Runtime {
  name: "deno" | "node";
  /** Executable and arguments that start the CLI (`main.ts` or the npm bin). */
  command: string;
  args: string[];
}

const NPM_BIN = `${ROOT}npm/bin/claude-talkie-walkie.cjs`;
/** The Node executable of Node runs: `BENCH_NODE` (a path, for Node 22 or 24), else `node`. */
export const NODE = process.env.BENCH_NODE || "node";
/** Where nodes write CPU profiles when `BENCH_PROFILE=1` (V8 logs under Deno, .cpuprofile). */
export const PROFILE_DIR = `${ROOT}bench/results/profiles`;

/**
 * Deno always; Node when the npm build exists (`deno run -A scripts/build_npm.ts`). With
 * `BENCH_PROFILE=1` every node writes a CPU profile into {@linkcode PROFILE_DIR}.
 */
export function runtimes(): { list: Runtime[]; note?: string } {
  const profile = process.env.BENCH_PROFILE === "1";
  if (profile) mkdirSync(PROFILE_DIR, { recursive: true });
  // The V8 flags the documented Deno command gives (docs/configuration.md).
  const v8 = [
    "--max-semi-space-size=1",
    "--heap-growing-percent=50",
    ...profile ? ["--prof", `--logfile=${PROFILE_DIR}/deno-%p.log`] : [],
  ];
  const nodeProf = profile ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const list: Runtime[] = [
    {
      name: "deno",
      command: process.execPath,
      args: ["run", `--v8-flags=${v8.join(",")}`, "-A", "main.ts"],
    },
  ];
  if (!existsSync(NPM_BIN)) {
    return {
      list,
      note: "npm/ is not built: Node runs skipped (deno run -A scripts/build_npm.ts)",
    };
  }
  list.push({ name: "node", command: NODE, args: [...binFlags(), ...nodeProf, NPM_BIN] });
  return { list };
}

/** The Node flags of the npm bin's first line (`#!/usr/bin/env -S node <flags>`), as npx passes them. */
function binFlags(): string[] {
  const first = readFileSync(NPM_BIN, "utf8").split("\n", 1)[0];
  return first.split(/\s+/).slice(first.split(/\s+/).indexOf("node") + 1);
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// The test harness's own waiting and ports: one copy of each rule.
export { waitFor } from "../tests/support/wait.ts";
export { freePorts } from "../tests/support/mesh.ts";

/** Kills a child process by id if it is still alive. */
export function kill(pid: number | null | undefined): void {
  if (!pid) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch { /* already gone */ }
}

/** The channel-event schema of claude-channels.md §7: what Claude Code would accept. */
const ChannelEvent = ChannelEventSchema;

/** One channel event as the client received it. */
export type ChannelParams = z.infer<typeof ChannelEvent>["params"];

/** Options for {@linkcode startNode}. */
export interface NodeOptions {
  role: string;
  port: number;
  /** Peers by name and port on 127.0.0.1. */
  peers?: Record<string, number>;
  /** Called for every channel event at this node's MCP client. */
  onEvent?: (params: ChannelParams) => void;
}

/** A node process with its MCP client connected. */
export interface BenchNode {
  url: string;
  pid: number;
  client: Client;
  /** The tail of the node's stderr, for error messages. */
  stderr(): string;
  close(): Promise<void>;
}

/** Where benchmark nodes keep their stores: one folder per run, removed when it ends. */
const STATE = mkdtempSync(join(tmpdir(), "talkie-bench-state-"));
process.on("exit", () => rmSync(STATE, { recursive: true, force: true }));

/** The environment of a benchmark node. */
export function nodeEnv(options: NodeOptions): Record<string, string> {
  const peers = Object.entries(options.peers ?? {}).map(([n, p]) => `${n}=127.0.0.1:${p}`);
  return {
    NO_COLOR: "1",
    MY_ROLE: options.role,
    PEERS: peers.join(","),
    INTERCOM_SECRET: SECRET,
    INTERCOM_PORT: String(options.port),
    INTERCOM_HOST: "127.0.0.1",
    // Load tests: no per-sender limit on /message, no send-side loop guard, room for 100
    // /events subscribers (defaults 60/min, 20/min per peer, 64 clients).
    INTERCOM_RATE_LIMIT: "0",
    INTERCOM_SEND_LIMIT: "0",
    INTERCOM_MAX_EVENT_CLIENTS: "256",
    // Each node starts with an empty store of its own, never the user's.
    INTERCOM_STATE_DIR: join(STATE, String(options.port)),
    ...(process.env.DENO_DIR ? { DENO_DIR: process.env.DENO_DIR } : {}),
    // V8 flags for a profile of the Node nodes (--perf-basic-prof, --log-deopt …).
    ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}),
  };
}

/** Spawns a node under `rt` and connects an MCP client (`initialize` answered). */
export function startNode(rt: Runtime, options: NodeOptions): Promise<BenchNode> {
  return connect(rt.name, rt.command, rt.args, nodeEnv(options), options);
}

const LEAN = fileURLToPath(new URL("./_lean_relay.mjs", import.meta.url));

/**
 * Spawns the lean reference relay (`bench/_lean_relay.mjs`) under the runtime of `rt`, driven
 * like a node: the same MCP client, the same channel-event schema. Only its first peer is used.
 */
export function startLean(rt: Runtime, options: NodeOptions): Promise<BenchNode> {
  const [command, args] = rt.name === "deno"
    ? [process.execPath, ["run", "-A", LEAN]]
    : [NODE, [LEAN]];
  const peer = Object.values(options.peers ?? {})[0] ?? 0;
  const env = { PORT: String(options.port), PEER_PORT: String(peer) };
  return connect(`${rt.name} (lean)`, command, args, env, options);
}

async function connect(
  runtime: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  options: NodeOptions,
): Promise<BenchNode> {
  const transport = new StdioClientTransport({ command, args, cwd: ROOT, env, stderr: "pipe" });
  let tail = "";
  transport.stderr?.on("data", (c: Uint8Array) => tail = (tail + String(c)).slice(-2000));
  const client = new Client({ name: "bench", version: "0" });
  const onEvent = options.onEvent;
  if (onEvent) client.setNotificationHandler(ChannelEvent, (n) => onEvent(n.params));
  const close = async () => {
    const pid = transport.pid;
    await Promise.race([client.close().catch(() => {}), sleep(1500)]);
    kill(pid);
  };
  try {
    await client.connect(transport);
  } catch (e) {
    await close();
    throw new Error(`Cannot start node "${options.role}" under ${runtime}: ${e}\n${tail}`);
  }
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await untilHealthy(url, 10_000);
  } catch (e) {
    await close();
    throw new Error(`${e}\n${tail}`);
  }
  return { url, pid: transport.pid!, client, stderr: () => tail, close };
}

/**
 * Polls `url/health` every `everyMs` until it answers 200.
 *
 * @returns `performance.now()` when it answered. @throws {Error} after `timeoutMs`
 */
export async function untilHealthy(url: string, timeoutMs: number, everyMs = 5): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`${url}/health`);
      await r.body?.cancel();
      if (r.ok) return performance.now();
    } catch { /* not listening yet */ }
    if (performance.now() > deadline) throw new Error(`${url}/health did not answer in time`);
    await sleep(everyMs);
  }
}

/** The bare `node:http` server used as the floor (POST /message, GET /events, /health). */
export interface Floor {
  url: string;
  pid: number;
  close(): void;
}

const FLOOR = fileURLToPath(new URL("./_floor_server.mjs", import.meta.url));

/** Starts the floor server under the same runtime as `rt`; resolves once it listens. */
export function startFloor(rt: Runtime): Promise<Floor> {
  const [command, args] = rt.name === "deno"
    ? [process.execPath, ["run", "-A", FLOOR]]
    : [NODE, [FLOOR]];
  const child: ChildProcess = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
  const close = () => kill(child.pid);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      close();
      reject(new Error("The floor server did not start within 10 s"));
    }, 10_000);
    child.stdout!.once("data", (c: Uint8Array) => {
      clearTimeout(timer);
      resolve({ url: `http://127.0.0.1:${String(c).trim()}`, pid: child.pid!, close });
    });
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Resident set size of a process, in KiB (`VmRSS` of /proc/<pid>/status). */
export function rssKiB(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  if (!m) throw new Error(`No VmRSS for process ${pid}`);
  return Number(m[1]);
}

/** CPU time a process has used so far (user + system), in milliseconds, from /proc. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ is 100 on Linux
}
