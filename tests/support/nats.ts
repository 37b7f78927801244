/**
 * Real `nats-server` processes for the broker-mode tests: free loopback ports, a temporary
 * JetStream store each, optional cluster routes and a config file (for auth), and a stop that
 * always ends them.
 *
 * @module
 */

import { after, before } from "node:test";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { freePorts, NodeProcess, waitFor } from "./harness.ts";

/** Whether `nats-server` is installed. */
export function hasNatsServer(): boolean {
  try {
    execFileSync("nats-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * The `skip` option of a broker-mode test: `false` when `nats-server` is installed, else the
 * reason. Under CI (`CI=true`) a missing server is an error unless `.ci/run` could not install
 * it and said why in `NATS_UNAVAILABLE`, so broker code never goes untested unnoticed.
 *
 * @throws {Error} under CI when `nats-server` was expected but is missing.
 */
export function natsSkip(env: Record<string, string | undefined> = process.env): string | false {
  if (hasNatsServer()) return false;
  if (env.CI === "true" && !env.NATS_UNAVAILABLE) {
    throw new Error("nats-server was expected under CI but is not installed: see .ci/run");
  }
  return `nats-server is not installed (apt-get install nats-server)${
    env.NATS_UNAVAILABLE ? `: ${env.NATS_UNAVAILABLE}` : ""
  }`;
}

/** Options for {@linkcode NatsServer.start}. */
export interface NatsServerOptions {
  port?: number;
  /** Cluster: this server's route port and the route URLs of the others. */
  cluster?: { name: string; port: number; routes: string[] };
  /** Extra config file text (authorization blocks). */
  config?: string;
  /** The address it listens on (clients and cluster routes); 127.0.0.1 by default. */
  host?: string;
  /** A network namespace to run it in (`ip netns exec`, as root). */
  netns?: string;
}

/** One `nats-server -js` on 127.0.0.1. */
export class NatsServer {
  readonly port: number;
  readonly host: string;
  readonly child: ChildProcess;
  readonly dir: string;
  log = "";
  #exited: Promise<void>;

  private constructor(port: number, child: ChildProcess, dir: string, host = "127.0.0.1") {
    this.port = port;
    this.host = host;
    this.child = child;
    this.dir = dir;
    child.stdout!.setEncoding("utf8").on("data", (c: string) => this.log += c);
    child.stderr!.setEncoding("utf8").on("data", (c: string) => this.log += c);
    this.#exited = new Promise((r) => child.once("exit", () => r()));
  }

  /** `nats://<host>:<port>`. */
  get url(): string {
    return `nats://${this.host}:${this.port}`;
  }

  /** Starts a server and waits until it accepts clients. */
  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const port = options.port ?? (await freePorts(1))[0];
    const dir = mkdtempSync(join(tmpdir(), "talkie-nats-"));
    const host = options.host ?? "127.0.0.1";
    const args = ["-js", "-sd", join(dir, "js"), "-p", String(port), "-a", host];
    if (options.cluster) {
      args.push("--cluster_name", options.cluster.name);
      args.push("--cluster", `nats://${host}:${options.cluster.port}`);
      args.push("--routes", options.cluster.routes.join(","));
      args.push("-n", `n${port}-${host.replaceAll(/[.:]/g, "-")}`);
    }
    if (options.config) {
      writeFileSync(join(dir, "server.conf"), options.config);
      args.push("-c", join(dir, "server.conf"));
    }
    const command = ["nats-server", ...args];
    if (options.netns) command.unshift("ip", "netns", "exec", options.netns);
    const child = spawn(command[0], command.slice(1), { stdio: "pipe" });
    const server = new NatsServer(port, child, dir, host);
    await waitFor(() => /Server is ready/.test(server.log), `nats-server on ${port}`, 10_000)
      .catch(async (e) => {
        await server.stop();
        throw new Error(`${e.message}\n${server.log}`);
      });
    return server;
  }

  /** Kills the server (SIGKILL when `hard`) and removes its store. Idempotent. */
  async stop(hard = false): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(hard ? "SIGKILL" : "SIGTERM");
      const t = setTimeout(() => this.child.kill("SIGKILL"), 3_000);
      await this.#exited;
      clearTimeout(t);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts a node in broker mode (no PEERS) and waits until it joined the mesh. */
export async function spawnBrokerNode(
  role: string,
  options: { nats: string; secret: string; env?: Record<string, string>; join?: boolean },
): Promise<NodeProcess> {
  const [port] = await freePorts(1);
  const node = NodeProcess.spawn({
    role,
    port,
    secret: options.secret,
    env: { INTERCOM_NATS_URL: options.nats, INTERCOM_NATS_PRESENCE_TTL: "3", ...options.env },
  });
  try {
    if (options.join !== false) await node.waitForStderr(/joined mesh/, 15_000);
    await node.connect();
  } catch (e) {
    await node.stop();
    throw e;
  }
  return node;
}

/**
 * Polls the async `check` every 100 ms until it returns something other than undefined.
 *
 * @throws {Error} naming `what` after `timeoutMs`.
 */
export async function poll<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    if (performance.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms: ${what}${last ? ` (${last})` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until JetStream answers on `url` (a cluster elects its meta leader first). */
export async function waitJetStream(url: string, timeoutMs = 20_000): Promise<void> {
  const { connect } = await import("@nats-io/transport-node");
  const { jetstreamManager } = await import("@nats-io/jetstream");
  const nc = await connect({ servers: url });
  try {
    await poll(
      async () => {
        await (await jetstreamManager(nc, { timeout: 1_000 })).getAccountInfo();
        return true;
      },
      `JetStream on ${url}`,
      timeoutMs,
    );
  } finally {
    await nc.close();
  }
}

/** A test file's broker: one server, and the broker nodes started on it. */
export interface BrokerMesh {
  /** The nodes started so far, in order. */
  readonly started: NodeProcess[];
  /** The server's URL (after the file's `before` ran). */
  readonly url: string;
  /** Starts a broker node with the file's environment and keeps it to stop after the file. */
  start(role: string): Promise<NodeProcess>;
}

/**
 * Registers the file's `before` and `after`: a nats-server for the file's tests (none when
 * `skip`), and every node `start` made stopped with it.
 */
export function useBrokerMesh(
  skip: string | false,
  options: { secret: string; env?: Record<string, string> },
): BrokerMesh {
  let server: NatsServer | undefined;
  const started: NodeProcess[] = [];
  // A role keeps its state (its node key above all) across restarts, as on a real machine.
  const states = mkdtempSync(join(tmpdir(), "talkie-broker-states-"));
  before(async () => {
    if (!skip) server = await NatsServer.start();
  });
  after(async () => {
    await Promise.all(started.map((n) => n.stop()));
    await server?.stop();
    rmSync(states, { recursive: true, force: true });
  });
  return {
    started,
    get url() {
      return server!.url;
    },
    async start(role) {
      const n = await spawnBrokerNode(role, {
        nats: server!.url,
        ...options,
        env: { INTERCOM_STATE_DIR: join(states, role), ...options.env },
      });
      started.push(n);
      return n;
    },
  };
}
