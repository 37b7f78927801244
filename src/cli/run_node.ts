/**
 * The node command: configuration from flags and environment, the node from
 * {@linkcode createNode}, then the effects: the HTTP listener, MCP on stdio, signals, and a
 * shutdown that leaves no orphan holding the port.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";
import { listen, type Server } from "../http/serve.ts";
import { createLogger, type Logger, writeTo } from "../platform/log.ts";
import { fetchTrusting } from "../platform/runtime.ts";
import type { Transport } from "../platform/sdk.ts";
import { BatchedStdioServerTransport } from "../platform/stdio.ts";
import { type Config, ConfigError } from "../node/config.ts";
import { loadConfig } from "./config.ts";
import { answersHealth, cleanStale, registerLocal } from "./local_registry.ts";
import { VERSION } from "../platform/version.ts";
import { createNode, type MeshNode, type NodeDeps } from "./create_node.ts";
import { guardHosts } from "../http/host_guard.ts";

/** Why the listener could not start, as one line with the fix. */
function describeListenError(e: unknown, config: Config): string {
  const text = `${(e as { code?: string })?.code ?? ""} ${(e as Error)?.message ?? e}`;
  if (/EADDRINUSE|AddrInUse|address already in use/i.test(text)) {
    return `port ${config.port} on ${config.hostname} is already in use (another session ` +
      `runs a node there?): set INTERCOM_PORT to a free port`;
  }
  if (/EACCES|PermissionDenied|permission denied/i.test(text)) {
    return `no permission to listen on port ${config.port}: use a port above 1024`;
  }
  return `cannot listen on ${config.hostname}:${config.port}: ${text.trim()}`;
}

/** A node that serves: the assembled node plus its HTTP listener. */
export interface ServingNode extends MeshNode {
  /** Base URL it listens on, e.g. `http://127.0.0.1:8788`; undefined when listening failed. */
  url?: string;
  /** Why it is not listening (port in use), if so. */
  listenError?: string;
}

/** Options for {@linkcode serveNode}. */
export interface ServeOptions extends Pick<NodeDeps, "keepAliveMs" | "transport"> {
  /** Where log lines go (never stdout, which is MCP's). */
  log: Logger;
  /**
   * MCP transport (the MCP SDK's `Transport`); stdio by default.
   * @ignore (an MCP SDK type)
   */
  mcpTransport?: Transport;
}

/**
 * Starts a node: HTTP listener first, then the mesh (a broker connects in the background), then
 * MCP on its transport. A port that is in use does not stop the node: the MCP side still comes
 * up so Claude can send and see why.
 */
export async function serveNode(config: Config, options: ServeOptions): Promise<ServingNode> {
  const { log } = options;
  const here: { url?: string; error?: string } = {};
  let fetch: typeof globalThis.fetch | undefined;
  if (config.caFile) {
    try {
      fetch = await fetchTrusting(readFileSync(config.caFile, "utf8"));
    } catch (e) {
      log(`error: cannot use INTERCOM_CA "${config.caFile}": ${(e as Error).message}`);
    }
  }
  const node = await createNode(config, {
    log,
    fetch,
    keepAliveMs: options.keepAliveMs,
    transport: options.transport,
    listening: () => here,
  });
  let http: Server | undefined;
  try {
    // Only the listener checks Host and Origin: broker-mode requests never come from browsers.
    http = await listen(config, guardHosts(node.handler, config));
    const port = new URL(http.url!).port;
    const host = config.hostname.includes(":") ? `[${config.hostname}]` : config.hostname;
    here.url = `${config.tlsCert ? "https" : "http"}://${host}:${port}`;
    const peers = config.nats
      ? `from NATS mesh "${config.nats.mesh}"`
      : config.discoverLocal
      ? "every node of this user on this machine"
      : config.peers.map((p) => p.name).join(", ") || "none";
    log(`"${config.role}" listening on ${here.url}, peers: ${peers}`);
  } catch (e) {
    here.error = describeListenError(e, config);
    log(`error: ${here.error}. The MCP tools still work for sending.`);
  }
  // Joining runs in the background: a slow broker must not hold the session's start up.
  node.start().catch((e) => log(`error: cannot join the mesh: ${e}`));
  // One stdout write per tick for all the channel events ready in it.
  await node.mcp.connect(options.mcpTransport ?? new BatchedStdioServerTransport());
  const close = node.close;
  return {
    ...node,
    url: here.url,
    listenError: here.error,
    close: async () => {
      await Promise.allSettled([close(), http?.close(true)]);
    },
  };
}

/** Printed on stderr when a person starts a node in a terminal instead of Claude Code. */
export const TERMINAL_HINT =
  `claude-talkie-walkie ${VERSION} is an MCP server for Claude Code: it speaks
JSON-RPC on stdin/stdout, so what you type here is not read as messages. Add it to a project with
"npx -y claude-talkie-walkie init", then start "claude --dangerously-load-development-channels
server:talkie-walkie". "claude-talkie-walkie --help" lists the commands; Ctrl-C stops this node.
`;

/**
 * Registers this node's role for host-less PEERS on this machine (INTERCOM_PORT=auto) and
 * cleans entries of nodes that are gone. Returns the function that removes the entry.
 */
function registerSelf(
  { role, project }: Pick<Config, "role" | "project">,
  url: string,
  dir: string,
  log: Logger,
): () => void {
  // A wildcard bind is reached through loopback by this machine's other sessions.
  const reachable = url.replace("//0.0.0.0:", "//127.0.0.1:").replace("//[::]:", "//[::1]:");
  try {
    const { unregister, replaced } = registerLocal(dir, {
      role,
      url: reachable,
      pid: process.pid,
      version: VERSION,
      started_at: new Date().toISOString(),
      ...(project ? { project } : {}),
    });
    if (replaced) {
      log(
        `warning: another node with role "${role}" runs on this machine (pid ${replaced.pid}, ` +
          `${replaced.url}); messages for "${role}" now come here: give each session its own role`,
      );
    }
    log(`registered "${role}" at ${reachable} in ${dir}`);
    cleanStale(dir, answersHealth, process.pid).then(
      (gone) => gone.length && log(`removed stale local entries: ${gone.join(", ")}`),
      () => {},
    );
    return unregister;
  } catch (e) {
    log(`error: cannot register "${role}" in ${dir}: ${(e as Error).message}`);
    return () => {};
  }
}

/**
 * Shuts down within `graceMs` even if something hangs: `shutdown` runs once, then the process
 * exits with `code`.
 */
function exitAfter(shutdown: () => Promise<void>, code: number, graceMs = 800): void {
  const force = setTimeout(() => process.exit(code), graceMs);
  force.unref?.();
  shutdown().finally(() => process.exit(code));
}

/** Runs the node command until stdin ends or a signal arrives. Returns only on a bad start. */
export async function runNode(args: string[]): Promise<number> {
  let config;
  try {
    config = loadConfig(args, process.env, (p) => readFileSync(p, "utf8"));
  } catch (e) {
    if (e instanceof ConfigError) {
      writeTo(process.stderr, `claude-talkie-walkie: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  // A person, not Claude Code, started this node: say what it is before anything else.
  if (process.stdin.isTTY) writeTo(process.stderr, TERMINAL_HINT);
  const log = createLogger(config.role);
  for (const w of config.warnings) log(`warning: ${w}`);
  const defaults = config.localDefaults;
  if (defaults?.role) log(`role "${config.role}" from the project directory ${config.project}`);
  if (defaults?.secret) log(`using the per-user secret of ${config.localDir}`);
  process.on("unhandledRejection", (e) => log(`unhandled rejection: ${e}`));
  // The NATS client drops its socket listeners when a server refuses the login; under Deno the
  // server's reset then arrives as an unhandled socket error. A reset must not end the session.
  // A closed stderr (Claude Code went away) must not raise errors that a log line would raise
  // again: that loop kept orphaned nodes alive.
  process.stderr.on("error", () => {});
  process.on("uncaughtException", (e) => {
    const code = (e as { code?: string })?.code;
    if (code === "EPIPE") return;
    if (code === "ECONNRESET") return log("warning: ignored a connection reset (ECONNRESET)");
    log(`fatal: ${(e as Error)?.stack ?? e}`);
    process.exit(1);
  });
  const node = await serveNode(config, { log });
  const unregister = config.portAuto && config.localDir && node.url
    ? registerSelf(config, node.url, config.localDir, log)
    : undefined;
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${why})`);
    unregister?.();
    exitAfter(node.close, 0);
  };
  // A closed stdout means the session is gone for good: hold nothing more, say so, and exit.
  process.stdout.on("error", () => {
    node.channel.markGone();
    stop("stdout closed");
  });
  // The SDK's stdio transport does not notice EOF: the client going away must stop us.
  process.stdin.on("end", () => stop("stdin closed"));
  process.stdin.on("close", () => stop("stdin closed"));
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, () => stop(s));
  return await new Promise<number>(() => {});
}
