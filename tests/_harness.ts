/**
 * End-to-end test harness: real node processes (`deno run -A main.ts`) driven over stdio by a
 * real MCP `Client` with the strict channel-event schema of claude-channels.md §7.
 *
 * Every wait is bounded, every stdout line is recorded so a test can check it is JSON-RPC, and
 * {@linkcode NodeProcess.stop} always ends the child (SIGKILL as the last resort).
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { type CallToolResult, Client, type Transport } from "../src/_sdk.ts";
// @ts-types="../node_modules/@modelcontextprotocol/sdk/dist/esm/shared/stdio.d.ts"
import { deserializeMessage, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";

/** The repository root, where `main.ts` lives. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** A JSON-RPC message as the SDK's transports carry it. */
type Message = Parameters<Transport["send"]>[0];

/** The strict channel-event schema: what Claude Code would accept (claude-channels.md §7). */
export const ChannelEventSchema = z.object({
  method: z.literal("notifications/claude/channel"),
  params: z.object({
    content: z.string(),
    meta: z.record(z.string(), z.string()).optional(),
  }),
});

/** One channel event as the client received it. */
export type ChannelEvent = z.infer<typeof ChannelEventSchema>["params"];

/** A meta key Claude Code keeps (others are dropped one by one). */
export const META_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `check` every 10 ms until it returns something other than `undefined`/`false`.
 *
 * @throws {Error} naming `what` after `timeoutMs`.
 */
export async function waitFor<T>(
  check: () => T | undefined | false,
  what: string,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${what}`);
    await sleep(10);
  }
}

/** `n` distinct free TCP ports on 127.0.0.1 (held together while choosing, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once("error", reject);
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** A random secret of 32 hex digits. */
export function randomSecret(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(16)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
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
  args?: string[];
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
  #partial = "";
  #lineListener?: (line: string) => void;
  #session?: McpSession;

  private constructor(options: NodeOptions, env: Record<string, string>, args: string[]) {
    this.role = options.role;
    this.port = options.port;
    this.secret = options.secret ?? "";
    this.child = spawn(process.execPath, ["run", "-A", "main.ts", ...args], {
      cwd: ROOT,
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.#exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
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

  /** Spawns `deno run -A main.ts` with the node's environment; does not wait for anything. */
  static spawn(options: NodeOptions): NodeProcess {
    const peers = Object.entries(options.peers ?? {})
      .map(([name, at]) => `${name}=${typeof at === "number" ? `127.0.0.1:${at}` : at}`)
      .join(",");
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NO_COLOR: "1",
      MY_ROLE: options.role,
      PEERS: peers,
      INTERCOM_PORT: String(options.port),
      INTERCOM_HOST: "127.0.0.1",
      ...(options.secret !== undefined ? { INTERCOM_SECRET: options.secret } : {}),
      ...(process.env.DENO_DIR ? { DENO_DIR: process.env.DENO_DIR } : {}),
      ...options.env,
    };
    return new NodeProcess(options, env, options.args ?? []);
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
  waitForStderr(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
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
  async waitListening(timeoutMs = 15_000): Promise<void> {
    await this.waitForStderr(/listening on https?:\/\/\S+/, timeoutMs);
  }

  /** A transport over this child's stdin/stdout (one per process). */
  transport(): ChildTransport {
    return new ChildTransport(this, (listener) => {
      this.#lineListener = listener;
    });
  }

  /** Connects an MCP client (initialize + initialized) and returns the session. */
  async connect(timeoutMs = 10_000): Promise<McpSession> {
    const session = new McpSession(this.transport());
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
  async waitExit(timeoutMs = 5_000): Promise<Exit> {
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

  /** Stops the child whatever state it is in: stdin end, then SIGKILL after 3 s. Idempotent. */
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
    this.child.stdout!.destroy();
    this.child.stderr!.destroy();
    this.child.stdin!.destroy();
    return exit;
  }
}

/**
 * An MCP transport over a child's stdio that parses each stdout line with the SDK's
 * `deserializeMessage` and writes with `serializeMessage`. The raw lines stay in the
 * {@linkcode NodeProcess}.
 */
export class ChildTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: Message) => void;
  /** The protocol revision the client negotiated. */
  protocolVersion?: string;
  #node: NodeProcess;
  #listen: (listener: ((line: string) => void) | undefined) => void;
  #closed = false;

  constructor(node: NodeProcess, listen: (l: ((line: string) => void) | undefined) => void) {
    this.#node = node;
    this.#listen = listen;
  }

  start(): Promise<void> {
    // Lines written before anyone listened (there should be none) are delivered first.
    for (const line of this.#node.stdoutLines) this.#line(line);
    this.#listen((line) => this.#line(line));
    this.#node.child.once("exit", () => this.close());
    return Promise.resolve();
  }

  #line(line: string): void {
    if (line.trim() === "") return;
    try {
      this.onmessage?.(deserializeMessage(line));
    } catch (e) {
      this.onerror?.(new Error(`stdout line is not JSON-RPC: ${line.slice(0, 200)} (${e})`));
    }
  }

  send(message: Message): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("Transport closed"));
    return new Promise((resolve, reject) => {
      this.#node.child.stdin!.write(serializeMessage(message), (e) => e ? reject(e) : resolve());
    });
  }

  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#listen(undefined);
    this.onclose?.();
    return Promise.resolve();
  }
}

/** An MCP client session with a node, collecting the channel events that pass the schema. */
export class McpSession {
  readonly client: Client;
  readonly transport: ChildTransport;
  /** Channel events in arrival order. */
  readonly events: ChannelEvent[] = [];
  /** Errors the client reported (unparsable lines, events failing the strict schema, …). */
  readonly errors: Error[] = [];

  constructor(transport: ChildTransport) {
    this.transport = transport;
    this.client = new Client({ name: "e2e-test", version: "0.0.0" });
    this.client.onerror = (e) => this.errors.push(e);
    this.client.setNotificationHandler(ChannelEventSchema, (n) => {
      this.events.push(n.params);
    });
  }

  /** Waits until at least `count` events arrived in all; returns those after `from`. */
  async waitForEvents(count: number, options: { from?: number; timeoutMs?: number } = {}) {
    const from = options.from ?? 0;
    await waitFor(
      () => this.events.length >= from + count,
      `${count} channel event(s) after #${from} (have ${this.events.length - from}: ` +
        `${JSON.stringify(this.events.slice(from))}; client errors: ${this.errors.join("; ")})`,
      options.timeoutMs ?? 5_000,
    );
    return this.events.slice(from, from + count);
  }

  /** Calls a tool and returns its result (never throws for an `isError` result). */
  async call(name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
    return await this.client.callTool({ name, arguments: args }) as CallToolResult;
  }
}

/** The text of a tool result (its text parts joined). */
export function resultText(result: CallToolResult): string {
  return result.content.map((c) => c.type === "text" ? c.text : `[${c.type}]`).join("\n");
}

/**
 * Checks that every line is one JSON-RPC 2.0 message: a request, a notification or a response.
 *
 * @returns a list of problems, empty when all lines are fine.
 */
export function jsonRpcProblems(lines: readonly string[]): string[] {
  const problems: string[] = [];
  lines.forEach((line, i) => {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(line);
      deserializeMessage(line);
    } catch (e) {
      problems.push(`line ${i + 1} is not JSON-RPC (${e}): ${line.slice(0, 200)}`);
      return;
    }
    const ok = m !== null && typeof m === "object" && !Array.isArray(m) &&
      m.jsonrpc === "2.0" &&
      ((typeof m.method === "string") || ("id" in m && ("result" in m || "error" in m)));
    if (!ok) problems.push(`line ${i + 1} is not a JSON-RPC 2.0 message: ${line.slice(0, 200)}`);
  });
  return problems;
}

/** Starts nodes named `roles`, each with all the others as peers, and connects MCP to each. */
export async function startMesh(
  roles: string[],
  options: { secret?: string; env?: Record<string, string> } = {},
): Promise<Mesh> {
  const ports = await freePorts(roles.length);
  const secret = options.secret ?? randomSecret();
  const nodes = roles.map((role, i) =>
    NodeProcess.spawn({
      role,
      port: ports[i],
      secret,
      env: options.env,
      peers: Object.fromEntries(
        roles.flatMap((r, j) => j === i ? [] : [[r, ports[j]] as [string, number]]),
      ),
    })
  );
  const mesh = new Mesh(nodes, secret);
  try {
    await Promise.all(nodes.map((n) => n.waitListening()));
    await Promise.all(nodes.map((n) => n.connect()));
  } catch (e) {
    await mesh.close();
    throw e;
  }
  return mesh;
}

/** Nodes that belong together; {@linkcode close} stops them all. */
export class Mesh {
  readonly nodes: NodeProcess[];
  readonly secret: string;

  constructor(nodes: NodeProcess[], secret: string) {
    this.nodes = nodes;
    this.secret = secret;
  }

  /** The node with this role. */
  node(role: string): NodeProcess {
    const n = this.nodes.find((n) => n.role === role);
    if (!n) throw new Error(`No node "${role}" in this mesh`);
    return n;
  }

  /** Stops every node (idempotent). */
  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}

/**
 * Reads Server-Sent Events from a response until `until` says stop or `timeoutMs` passes,
 * then cancels the stream.
 *
 * @returns the events read (`event` defaults to "message").
 */
export async function readSse(
  response: Response,
  until: (events: { event: string; data: string; id?: string }[]) => boolean,
  timeoutMs = 5_000,
): Promise<{ event: string; data: string; id?: string }[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: { event: string; data: string; id?: string }[] = [];
  let buffer = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((r) => {
    timer = setTimeout(() => r("timeout"), timeoutMs);
  });
  try {
    while (!until(events)) {
      const read = await Promise.race([reader.read(), timeout]);
      if (read === "timeout") {
        throw new Error(`SSE: timed out after ${timeoutMs} ms with ${JSON.stringify(events)}`);
      }
      if (read.done) break;
      buffer += read.value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = {
          event: "message",
          data: [] as string[],
          id: undefined as string | undefined,
        };
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          const i = line.indexOf(":");
          const key = i < 0 ? line : line.slice(0, i);
          const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
          if (key === "event") fields.event = value;
          else if (key === "data") fields.data.push(value);
          else if (key === "id") fields.id = value;
        }
        if (fields.data.length > 0) {
          events.push({ event: fields.event, data: fields.data.join("\n"), id: fields.id });
        }
      }
    }
    return events;
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
}
