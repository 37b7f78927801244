/**
 * The node command after its start-up front end (`front.ts`): the serving node from
 * {@linkcode serveNode}, then the process: the local registry, signals, and a shutdown that
 * leaves no orphan holding the port.
 *
 * @module
 */

import process from "node:process";
import { createLogger, type Logger } from "../platform/log.ts";
import type { Config } from "../node/config.ts";
import { serveNode } from "../app/serving.ts";
import { cleanStale, processStartTime, registerLocal } from "../platform/local_registry.ts";
import { VERSION } from "../platform/version.ts";
import { HandoverStdioTransport } from "../platform/stdio_handover.ts";
import { serveHookWaiters } from "./hook_node.ts";
import type { FrontEnd } from "./front.ts";

/** How often a running node checks that its registry entry is still there, in milliseconds. */
const REASSERT_MS = 5_000;

/**
 * Registers this node's role for host-less PEERS on this machine (INTERCOM_PORT=auto), removes
 * entries of processes that are gone, and writes the entry again while the node runs whenever
 * it went missing. Returns the function that removes it.
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
    const gone = cleanStale(dir, process.pid);
    if (gone.length) log(`removed local entries of nodes that are gone: ${gone.join(", ")}`);
    const startTime = processStartTime(process.pid);
    const { unregister, reassert, replaced } = registerLocal(dir, {
      role,
      url: reachable,
      pid: process.pid,
      version: VERSION,
      started_at: new Date().toISOString(),
      ...(startTime ? { start_time: startTime } : {}),
      ...(project ? { project } : {}),
    });
    if (replaced) {
      log(
        `warning: another node with role "${role}" runs on this machine (pid ${replaced.pid}, ` +
          `${replaced.url}); messages for "${role}" now come here: give each session its own role`,
      );
    }
    log(`registered "${role}" at ${reachable} in ${dir}`);
    const timer = setInterval(() => {
      try {
        if (reassert()) log(`registered "${role}" again: its entry in ${dir} had gone`);
      } catch (e) {
        log(`warning: cannot register "${role}" again in ${dir}: ${(e as Error).message}`);
      }
    }, REASSERT_MS);
    // The timer alone must not keep the process alive.
    (timer as { unref?: () => void }).unref?.();
    return () => {
      clearInterval(timer);
      unregister();
    };
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

/**
 * Runs the node of `config` until stdin ends or a signal arrives, its MCP session taken over
 * from the start-up front end ({@linkcode FrontEnd}). Never returns.
 */
export async function runNode(config: Config, front: FrontEnd): Promise<number> {
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
    // Likewise a TLS server refusing our client certificate: its alert arrives on a socket the
    // NATS client has stopped listening to; the connect attempt then fails and says why.
    if (/^received fatal alert/.test((e as Error)?.message ?? "")) {
      return log(`warning: ignored a TLS alert from a server (${(e as Error).message})`);
    }
    log(`fatal: ${(e as Error)?.stack ?? e}`);
    process.exit(1);
  });
  const node = await serveNode(config, {
    log,
    // The session from its first line; the front end answered `initialize` already.
    mcpTransport: new HandoverStdioTransport(front.stdin.handOver(), front.answered),
  });
  const unregister = config.portAuto && config.localDir && node.url
    ? registerSelf(config, node.url, config.localDir, log)
    : undefined;
  // Not awaited: the handlers below must be in place before stdin can end.
  const hooks = serveHookWaiters(node.waiters, config, log);
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${why})`);
    unregister?.();
    exitAfter(async () => {
      await (await hooks).close();
      await node.close();
    }, 0);
  };
  // A closed stdout means the session is gone for good: hold nothing more, say so, and exit.
  process.stdout.on("error", () => {
    node.channel.markGone();
    stop("stdout closed");
  });
  // The SDK's stdio transport does not notice EOF: the client going away must stop us (and
  // it may have gone while the node was loading).
  front.stdin.onEnd(() => stop("stdin closed"));
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, () => stop(s));
  return await new Promise<number>(() => {});
}
