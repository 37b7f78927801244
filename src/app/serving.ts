/**
 * A node that serves: the node from {@linkcode createNode}, its HTTP listener (Host and Origin
 * guarded), the mesh joined in the background, and MCP on stdio or another transport.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { listen, type Server } from "../http/serve.ts";
import { guardHosts } from "../http/host_guard.ts";
import type { Logger } from "../platform/log.ts";
import { fetchTrusting, peerFetch } from "../platform/runtime.ts";
import type { Transport } from "../platform/sdk.ts";
import { BatchedStdioServerTransport } from "../platform/stdio.ts";
import type { Config } from "../node/config.ts";
import { createNode, type MeshNode, type NodeDeps } from "./create_node.ts";

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
  fetch ??= await peerFetch();
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
