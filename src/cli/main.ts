/**
 * The command line: `claude-talkie-walkie [node flags]`, `… viewer …`, `… demo …`.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";
import { ConfigError, loadConfig } from "./config.ts";
import { createLogger } from "../platform/log.ts";
import { startNode } from "../node/create_node.ts";
import { BatchedStdioServerTransport } from "../platform/stdio.ts";
import { VERSION } from "../platform/version.ts";

/** `--help` text of the node command. */
export const HELP = `claude-talkie-walkie ${VERSION}
An N-way bridge between Claude Code sessions over the Channels API.

Usage:
  claude-talkie-walkie [flags]           start a node (MCP stdio server + HTTP listener)
  claude-talkie-walkie viewer [nodes…]   watch every node as one office in the terminal
  claude-talkie-walkie demo [--duration S]  a three-node mesh with scripted sessions

Flags (override the environment):
  --role NAME         this session's role            (MY_ROLE, default developer-a)
  --peers LIST        name=host[:port],…             (PEERS; REMOTE_HOST for one "remote")
  --port N            HTTP port                      (INTERCOM_PORT, default 8788)
  --host ADDR         bind address                   (INTERCOM_HOST)
  --secret-file PATH  read the shared secret here    (INTERCOM_SECRET)
  -h, --help          this text
  -V, --version       the version

Broker mode (instead of PEERS; the node connects outward only):
  INTERCOM_NATS_URL       nats://host:4222 or tls://…, several separated by commas
  INTERCOM_NATS_CREDS     creds file, or INTERCOM_NATS_USER + _PASSWORD, or _TOKEN
  INTERCOM_MESH           subject prefix shared by the sessions (default talkie)
  INTERCOM_NATS_DURABLE   1: messages for an offline role wait in JetStream

A node speaks MCP on stdin/stdout; logs go to stderr. See the README for .mcp.json setups.
`;

const write = (stream: NodeJS.WriteStream, text: string) => {
  try {
    stream.write(text);
  } catch { /* closed */ }
};

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
      write(process.stderr, `claude-talkie-walkie: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const log = createLogger(config.role);
  for (const w of config.warnings) log(`warning: ${w}`);
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
  // One stdout write per tick for all the channel events ready in it.
  const node = await startNode(config, { log, transport: new BatchedStdioServerTransport() });
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${why})`);
    exitAfter(node.close, 0);
  };
  // The SDK's stdio transport does not notice EOF: the client going away must stop us.
  process.stdin.on("end", () => stop("stdin closed"));
  process.stdin.on("close", () => stop("stdin closed"));
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, () => stop(s));
  return await new Promise<number>(() => {});
}

/** Entry point: dispatches on the first argument. Resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === "viewer") {
    const { viewerMain } = await import("../../viewer/main.ts");
    return await viewerMain(rest, process.env);
  }
  if (command === "demo") {
    const { demoMain } = await import("./demo.ts");
    return await demoMain(rest);
  }
  // Help and version are not MCP sessions, so they may print to stdout like any CLI.
  if (args.includes("--help") || args.includes("-h")) {
    write(process.stdout, HELP);
    return 0;
  }
  if (args.includes("--version") || args.includes("-V")) {
    write(process.stdout, `${VERSION}\n`);
    return 0;
  }
  return await runNode(args);
}
