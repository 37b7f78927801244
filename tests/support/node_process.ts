/**
 * A node as a child process (`deno run -A main.ts`): its environment, its stdout lines and
 * stderr, its MCP session, and a {@linkcode NodeProcess.stop} that always ends it (SIGKILL as
 * the last resort).
 *
 * The default bounds of the waits are wide: they only end a wait that failed, and the machine
 * may be shared (a start-up can take many seconds under load). A passing wait ends as soon as
 * its event comes.
 *
 * @module
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { ChildTransport, McpSession } from "./mcp_session.ts";
import { waitFor } from "./wait.ts";

/** The repository root, where `main.ts` lives. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

let denoDir: string | undefined;
/**
 * Deno's cache as the test runner uses it (`DENO_DIR`, else what `deno info` names): every node
 * shares it, so none compiles the program again or leaves a compile cache behind.
 */
export function sharedDenoDir(): string {
  return denoDir ??= process.env.DENO_DIR ||
    JSON.parse(execFileSync(process.execPath, ["info", "--json"], { encoding: "utf8" })).denoDir;
}

/** Options for {@linkcode NodeProcess.spawn}. */
export interface NodeOptions {
  role: string;
  /** INTERCOM_PORT. */
  port: number;
  /** Peers by name: a port on 127.0.0.1, or an address as PEERS writes it. */
  peers?: Record<string, number | string>;
  secret?: string;
  /** More environment (wins over the above). */
  env?: Record<string, string>;
  /** Variables left out of the environment (e.g. MY_ROLE and PEERS, to test their defaults). */
  omit?: string[];
  /** Working directory (the project Claude Code starts the node in); the repository by default. */
  cwd?: string;
  args?: string[];
  /** A network namespace to run the node in (`ip netns exec`, as root). */
  netns?: string;
  /** A command that starts the node command given after it (e.g. a stand-in for Claude Code). */
  launcher?: string[];
}

/** How a child ended. */
export interface Exit {
  code: number | null;
  signal: string | null;
}

/**
 * A node as a child process. stdout is split into lines as it arrives (all recorded in
 * {@linkcode stdoutLines}); stderr is kept whole in {@linkcode stderr}.
 */
export class NodeProcess {
  readonly role: string;
  readonly port: number;
  readonly secret: string;
  readonly child: ChildProcess;
  /** Every line the node wrote to stdout, raw. */
  readonly stdoutLines: string[] = [];
  stderr = "";
  /** Set once the child exited. */
  exit?: Exit;
  #exited: Promise<Exit>;
  #closed: Promise<void>;
  #partial = "";
  #lineListener?: (line: string) => void;
  #session?: McpSession;
  /** The node's own state location (cache, config, runtime and temp dirs), made by spawn. */
  readonly stateDir: string;

  private constructor(
    options: NodeOptions,
    env: Record<string, string>,
    args: string[],
    stateDir: string,
  ) {
    this.stateDir = stateDir;
    this.role = options.role;
    this.port = options.port;
    this.secret = options.secret ?? "";
    const command = [process.execPath, "run", "-A", join(ROOT, "main.ts"), ...args];
    // `ip netns exec` execs the command: the child's pid is the node's own.
    if (options.netns) command.unshift("ip", "netns", "exec", options.netns);
    if (options.launcher) command.unshift(...options.launcher);
    this.child = spawn(command[0], command.slice(1), {
      cwd: options.cwd ?? ROOT,
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.#exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    // "close" comes after "exit" once stdout and stderr ended: all output is in. The node's
    // state goes with it (a test that restarts a node passes a directory it owns instead).
    this.#closed = new Promise((resolve) =>
      this.child.once("close", () => {
        rmSync(stateDir, { recursive: true, force: true });
        resolve();
      })
    );
    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", (chunk: string) => {
      const parts = (this.#partial + chunk).split("\n");
      this.#partial = parts.pop()!;
      for (const line of parts) {
        this.stdoutLines.push(line);
        this.#lineListener?.(line);
      }
    });
    this.child.stdout!.on("end", () => {
      if (this.#partial !== "") this.stdoutLines.push(this.#partial);
      this.#partial = "";
    });
    this.child.stderr!.setEncoding("utf8");
    this.child.stderr!.on("data", (chunk: string) => {
      this.stderr += chunk;
      if (process.env.E2E_DEBUG) process.stderr.write(chunk);
    });
    // A write to a stdin the child already closed must not crash the test run.
    this.child.stdin!.on("error", () => {});
  }

  /**
   * Spawns `deno run -A main.ts` with the node's environment; does not wait for anything. The
   * node gets a state location of its own (`XDG_CACHE_HOME`, `XDG_CONFIG_HOME`,
   * `XDG_RUNTIME_DIR`, `XDG_STATE_HOME`, `TMPDIR` under one directory; a test of a restart
   * passes `INTERCOM_STATE_DIR` to keep the store across both lives), removed when it ends, and Deno's shared
   * cache.
   */
  static spawn(options: NodeOptions): NodeProcess {
    const peers = Object.entries(options.peers ?? {})
      .map(([name, at]) => `${name}=${typeof at === "number" ? `127.0.0.1:${at}` : at}`)
      .join(",");
    const state = mkdtempSync(join(tmpdir(), "talkie-node-"));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NO_COLOR: "1",
      MY_ROLE: options.role,
      PEERS: peers,
      INTERCOM_PORT: String(options.port),
      INTERCOM_HOST: "127.0.0.1",
      ...(options.secret !== undefined ? { INTERCOM_SECRET: options.secret } : {}),
      DENO_DIR: sharedDenoDir(),
      // Each node keeps its delivered ids in a state of its own, so runs never see each other's;
      // a test of a restart passes the same XDG_CACHE_HOME again.
      XDG_CACHE_HOME: join(state, "cache"),
      XDG_CONFIG_HOME: join(state, "config"),
      XDG_RUNTIME_DIR: join(state, "run"),
      XDG_STATE_HOME: join(state, "state"),
      TMPDIR: state,
      ...options.env,
    };
    for (const name of options.omit ?? []) delete env[name];
    return new NodeProcess(options, env, options.args ?? [], state);
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The MCP session, once {@linkcode connect} was called. */
  get session(): McpSession {
    if (!this.#session) throw new Error(`"${this.role}" has no MCP session yet`);
    return this.#session;
  }

  /** Waits until stderr matches `pattern`; fails early if the child exits first. */
  waitForStderr(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    return waitFor(
      () => {
        const m = this.stderr.match(pattern);
        if (m) return m;
        if (this.exit) {
          throw new Error(
            `"${this.role}" exited (${JSON.stringify(this.exit)}) before stderr matched ` +
              `${pattern}; stderr:\n${this.stderr}`,
          );
        }
        return undefined;
      },
      `stderr of "${this.role}" to match ${pattern}; stderr so far:\n${this.stderr}`,
      timeoutMs,
    );
  }

  /** Waits for the `"role" listening on http://…` line. */
  async waitListening(timeoutMs = 30_000): Promise<void> {
    await this.waitForStderr(/listening on https?:\/\/\S+/, timeoutMs);
  }

  /** A transport over this child's stdin/stdout (one per process). */
  transport(): ChildTransport {
    return new ChildTransport(this, (listener) => {
      this.#lineListener = listener;
    });
  }

  /** Connects an MCP client (initialize + initialized) and returns the session. */
  async connect(
    timeoutMs = 20_000,
    options: ConstructorParameters<typeof McpSession>[1] = {},
  ): Promise<McpSession> {
    const session = new McpSession(this.transport(), options);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        session.client.connect(session.transport),
        new Promise((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(`MCP initialize of "${this.role}" timed out; stderr:\n${this.stderr}`),
              ),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    // connect() resolves once `notifications/initialized` is written, not read: a request after
    // it on the same stdin is answered only after the node has read it, so the session is ready.
    await session.client.ping();
    this.#session = session;
    return session;
  }

  /** Ends the child's stdin, as Claude Code does when the session goes away. */
  closeStdin(): void {
    this.child.stdin!.end();
  }

  /**
   * Sends a signal to the child. Uses `process.kill(pid)`: Deno's `child.kill()` makes the
   * `exit` event report the signal even when the child handled it and exited with a code.
   */
  kill(signal: NodeJS.Signals = "SIGTERM"): void {
    if (!this.exit && this.child.pid !== undefined) process.kill(this.child.pid, signal);
  }

  /**
   * Waits for the child to exit.
   *
   * @throws {Error} when it is still running after `timeoutMs`.
   */
  async waitExit(timeoutMs = 10_000): Promise<Exit> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        this.#exited,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`"${this.role}" did not exit within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Waits for the child to exit and its stdout and stderr to end, so {@linkcode stdoutLines}
   * and {@linkcode stderr} hold everything it wrote.
   *
   * @throws {Error} when that has not happened after `timeoutMs`.
   */
  async waitOutput(timeoutMs = 10_000): Promise<Exit> {
    const exit = await this.waitExit(timeoutMs);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        this.#closed,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`"${this.role}" exited but its output did not end`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    return exit;
  }

  /**
   * Stops the child whatever state it is in: stdin end, then SIGKILL after 3 s; then waits
   * (bounded) for the rest of its output. Idempotent.
   */
  async stop(): Promise<Exit> {
    if (!this.exit) {
      this.closeStdin();
      try {
        await this.waitExit(3_000);
      } catch {
        this.child.kill("SIGKILL");
      }
    }
    const exit = await this.#exited;
    // Keep what it wrote last (a shutdown line on stderr), unless its pipes stay open.
    await this.waitOutput(2_000).catch(() => {});
    this.child.stdout!.destroy();
    this.child.stderr!.destroy();
    this.child.stdin!.destroy();
    return exit;
  }
}
