/**
 * Assembles a node from its parts: hub, the one inbound handler, SSE streams, the outbound
 * transport, messenger and MCP server. It opens no port and touches no stdio, so the command
 * line (`run_node.ts`) and the tests build the very same node.
 *
 * @module
 */

import type { McpServer } from "../platform/sdk.ts";
import type { Logger } from "../platform/log.ts";
import { VERSION } from "../platform/version.ts";
import { RateLimiter } from "../core/rate_limit.ts";
import { SeenIds } from "../core/replay.ts";
import { DeliveredIds } from "../core/delivered.ts";
import { cacheDir } from "../platform/dirs.ts";
import { DeliveredLog } from "../platform/delivered_log.ts";
import type { Channel } from "../node/channel.ts";
import type { SessionState } from "../node/tool_context.ts";
import { join } from "node:path";
import { signatureKey } from "../core/signature.ts";
import type { Config } from "../node/config.ts";
import { Hub } from "../node/hub.ts";
import { createMcpServer } from "../node/mcp_server.ts";
import { Messenger } from "../node/messenger.ts";
import type { PeerTransport } from "../node/transport.ts";
import { createHandler } from "../http/handler.ts";
import { operatorRoutes } from "../http/operator.ts";
import { type PermissionRelay, promptData } from "../node/permissions.ts";
import { EventStreams } from "../http/sse.ts";
import { AuthThrottle } from "../http/throttle.ts";
import { HttpTransport } from "../http/transport.ts";
import { withLocalPeers } from "../http/local_peers.ts";

/** A fetch-style request handler: every inbound message of every transport goes through it. */
export type Handler = (request: Request) => Promise<Response>;

/** What {@linkcode createNode} needs besides the configuration. */
export interface NodeDeps {
  /** Where log lines go (stderr in the command line). */
  log: Logger;
  /** Interval of SSE keep-alive comments, in milliseconds (default 15 000). */
  keepAliveMs?: number;
  /**
   * Makes the outbound transport. Default: broker mode when `config.nats` is set (its module is
   * loaded only then), else HTTP over PEERS.
   */
  transport?: (parts: { handler: Handler; hub: Hub }) => PeerTransport | Promise<PeerTransport>;
  /** fetch for outbound HTTP (a private CA's), default the global one. */
  fetch?: typeof fetch;
  /**
   * Where delivered message ids are kept across restarts; `null` keeps them in memory only.
   * Default: `delivered-<role>.jsonl` in the user's cache directory.
   */
  deliveredFile?: string | null;
  /** Where the HTTP listener is, or why there is none, for `list_peers`. */
  listening?: () => { url?: string; error?: string };
}

/**
 * A node, assembled but not yet serving: connect `mcp` (the MCP SDK's `McpServer`) to a
 * transport such as `StdioServerTransport`, and serve `handler` on a port.
 */
export interface MeshNode {
  /** Carries `send`, `recv` and report events to SSE clients and the MCP side. */
  hub: Hub;
  /** The one inbound handler: serve it on a port, or call it with a `Request`. */
  handler: Handler;
  /** Open `/events` streams, closed on shutdown. */
  streams: EventStreams;
  /** How messages leave this node (HTTP over PEERS, or a broker). */
  transport: PeerTransport;
  /** Addresses, queues and delivers outgoing messages. */
  messenger: Messenger;
  /** Hands received messages to the MCP session (held until it initializes). */
  channel: Channel;
  /**
   * The MCP server; `connect()` it to stdio or an in-memory transport.
   * @ignore (an MCP SDK type)
   */
  mcp: McpServer;
  /** Joins the mesh (a broker connects here); never throws. */
  start(): Promise<void>;
  /** Stops everything: messenger, SSE streams, MCP and transport. Idempotent. */
  close(): Promise<void>;
}

async function defaultTransport(
  config: Config,
  deps: NodeDeps,
  parts: { handler: Handler; hub: Hub },
): Promise<PeerTransport> {
  if (config.nats) {
    // Broker mode only: HTTP nodes never load the NATS client.
    const { NatsTransport } = await import("../nats/transport.ts");
    return new NatsTransport({
      config: config.nats,
      role: config.role,
      secret: config.secret,
      version: VERSION,
      log: deps.log,
      ...parts,
    });
  }
  const http = new HttpTransport({
    peers: config.peers,
    secret: config.secret,
    requireSignature: config.requireSignature,
    allowSecretHeader: config.allowSecretHeader,
    log: deps.log,
    fetch: deps.fetch,
  });
  // PEERS entries without a host are found on this machine at each send (INTERCOM_PORT=auto).
  // An empty PEERS with INTERCOM_PORT=auto: every node of this user on this machine.
  return config.resolveLocal
    ? withLocalPeers(http, config.resolveLocal, config.discoverLocal)
    : http;
}

/**
 * Builds a node from `config`. No port is opened and no stdio is touched.
 *
 * @example
 * ```ts
 * import { createNode } from "./create_node.ts";
 * import { loadConfig } from "./config.ts";
 * const node = await createNode(loadConfig([], { MY_ROLE: "backend" }, () => ""), {
 *   log: (line) => console.error(line),
 * });
 * await node.close();
 * ```
 */
export async function createNode(config: Config, deps: NodeDeps): Promise<MeshNode> {
  const { log } = deps;
  const hub = new Hub();
  const streams = new EventStreams(hub, deps.keepAliveMs);
  const ref: {
    transport?: PeerTransport;
    channel?: Channel;
    messenger?: Messenger;
    session?: SessionState;
    permissions?: PermissionRelay;
  } = {};
  // What the session has is remembered across restarts (ids and digests, never text).
  const delivered = new DeliveredIds({
    // Longer than any sender retries (its retry window; ours is the guess), and at least twice
    // the signature tolerance, so a replay cannot outlive its id.
    ttlMs: Math.max(config.retryWindowMs + 300_000, 600_000),
    // ~22 messages/s for 15 min, far above what sessions send; bounded memory beyond that.
    maxSize: 20_000,
  });
  const deliveredLog = deps.deliveredFile === null ? undefined : new DeliveredLog(
    deps.deliveredFile ?? join(cacheDir(), `delivered-${config.role}.jsonl`),
    delivered,
    log,
  );
  const handler = createHandler({
    role: config.role,
    // In broker mode the peers are the broker's members (and its roster), not the ignored PEERS.
    peers: () => (ref.transport?.peers() ?? []).map((p) => p.name),
    online: () => ref.transport?.status().online,
    version: VERSION,
    secret: config.secret,
    maxMessageBytes: config.maxMessageBytes,
    hub,
    streams,
    // Replayed signed requests: twice the signature tolerance of 300 s.
    seen: new SeenIds({ ttlMs: 600_000, maxSize: 20_000 }),
    delivered,
    onDelivered: (entry) => deliveredLog?.add(entry),
    onReceipt: (receipt) => ref.messenger?.takeReceipt(receipt) ?? 0,
    session: () => ref.session?.info() ?? { unread: 0 },
    deliver: (envelope, hold) => ref.channel?.deliver(envelope, hold) ?? Promise.resolve("gone"),
    signingKey: signatureKey(config.secret),
    requireSignature: config.requireSignature,
    limiter: config.rateLimitPerMinute
      ? new RateLimiter({ perMinute: config.rateLimitPerMinute, burst: config.rateLimitBurst })
      : undefined,
    maxEventClients: config.maxEventClients,
    // One address may send 4 times one sender's rate, whatever names it claims (peers behind
    // one NAT or ngrok agent share an address).
    addressLimiter: config.rateLimitPerMinute
      ? new RateLimiter({
        perMinute: config.rateLimitPerMinute * 4,
        burst: config.rateLimitBurst * 4,
      })
      : undefined,
    throttle: config.authFailuresPerMinute !== 0
      ? new AuthThrottle({ perMinute: config.authFailuresPerMinute ?? 30, burst: 10, log })
      : undefined,
    // A viewer that connects late still sees who is blocked on a prompt.
    hello: () =>
      ref.permissions
        ? {
          permission_requests: ref.permissions.pending().map((p) => promptData(config.role, p)),
        }
        : {},
    operator: operatorRoutes({
      role: config.role,
      publicKey: config.operatorKey?.key,
      seen: new SeenIds({ ttlMs: 600_000, maxSize: 5_000 }),
      maxMessageBytes: config.maxMessageBytes,
      verdict: (id, behavior, by) =>
        ref.permissions?.verdict(id, behavior, by) ?? Promise.resolve("not_pending"),
      deliver: async (envelope) => {
        const handed = await (ref.channel?.deliver(envelope, true, true) ?? "gone");
        if (handed === "delivered" || handed === "held") hub.publish("recv", envelope);
        return handed;
      },
    }),
  });
  const parts = { handler, hub };
  // How queued messages end, for watchers too (the session gets them as channel events).
  hub.onReport((r) => hub.notice("delivery_report", { ...r }));
  const transport = ref.transport = await (deps.transport?.(parts) ??
    defaultTransport(config, deps, parts));
  const messenger = new Messenger({
    role: config.role,
    transport,
    hub,
    maxMessageBytes: config.maxMessageBytes,
    retryWindowMs: config.retryWindowMs,
    outboxMaxMessages: config.outboxMaxMessages,
    outboxMaxBytes: config.outboxMaxBytes,
    sendLimitPerMinute: config.sendLimitPerMinute,
    readReceipts: config.readReceipts,
  });
  ref.messenger = messenger;
  const mcp = createMcpServer({
    role: config.role,
    version: VERSION,
    hub,
    messenger,
    listening: deps.listening ?? (() => ({ error: "no HTTP listener" })),
    unreadNoticeMs: config.unreadNoticeSeconds * 1000,
    roleFrom: config.localDefaults?.role,
    permissions: config.operatorKey
      ? { timeoutMs: config.promptTimeoutMs, log: (line) => log(line) }
      : undefined,
  });
  ref.channel = mcp.channel;
  ref.permissions = mcp.permissions;
  ref.session = mcp.session;

  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      mcp.detach();
      for (const { peer, count } of messenger.close()) {
        log(`dropping ${count} queued message(s) to "${peer}" (nothing is kept on disk)`);
      }
      streams.closeAll();
      await Promise.allSettled([mcp.server.close(), transport.close()]);
    })();
  return {
    hub,
    handler,
    streams,
    transport,
    messenger,
    channel: mcp.channel,
    mcp: mcp.server,
    start: () => transport.start(),
    close,
  };
}
