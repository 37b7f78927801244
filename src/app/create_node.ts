/**
 * Assembles a node from its parts in dependency order: hub, the transport, the messenger and
 * the MCP server that send, then the receive rules that hand messages to that session, the
 * HTTP handler, and the transport bound to them. It opens no port and touches no stdio, so
 * serving (`serving.ts`) and the tests build the very same node.
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
import { UsedIdsFile } from "../platform/used_ids_file.ts";
import type { Channel } from "../node/channel.ts";
import type { ReceiveContext } from "../node/receive.ts";
import { healthBody } from "../node/receiver.ts";
import { join } from "node:path";
import { signatureKey } from "../core/signature.ts";
import type { Config } from "../node/config.ts";
import { Hub } from "../node/hub.ts";
import { createMcpServer } from "../node/mcp_server.ts";
import { Messenger } from "../node/messenger.ts";
import type { PeerTransport } from "../node/transport.ts";
import { createHandler } from "../http/handler.ts";
import type { HttpRequest } from "../http/request.ts";
import { operatorRoutes } from "../http/operator.ts";
import { operatorReceiver } from "../node/operator.ts";
import { promptData } from "../node/permissions.ts";
import { EventStreams } from "../http/sse.ts";
import { AuthThrottle } from "../http/throttle.ts";
import { HttpTransport } from "../http/transport.ts";
import { withLocalPeers } from "../http/local_peers.ts";

/**
 * The fetch-style request handler of the node's HTTP interface: call it with a `Request`, or
 * any {@linkcode HttpRequest}.
 */
export type Handler = (request: HttpRequest) => Promise<Response>;

/** What {@linkcode createNode} needs besides the configuration. */
export interface NodeDeps {
  /** Where log lines go (stderr in the command line). */
  log: Logger;
  /** Interval of SSE keep-alive comments, in milliseconds (default 15 000). */
  keepAliveMs?: number;
  /**
   * Makes the outbound transport. Default: broker mode when `config.nats` is set (its module is
   * loaded only then), else HTTP over PEERS.
   * @ignore (a part: `PeerTransport` and `Hub` are in the `./internal` entry)
   */
  transport?: (parts: { hub: Hub }) => PeerTransport | Promise<PeerTransport>;
  /** fetch for outbound HTTP (a private CA's), default the global one. */
  fetch?: typeof fetch;
  /**
   * Where delivered message ids are kept across restarts; `null` keeps them in memory only.
   * Default: `delivered-<role>.jsonl` in the user's cache directory.
   */
  deliveredFile?: string | null;
  /**
   * Where used operator request ids are kept across restarts; `null` keeps them in memory only.
   * Default: `operator-ids-<role>.jsonl` in the user's cache directory.
   */
  operatorIdsFile?: string | null;
  /** Where the HTTP listener is, or why there is none, for `list_peers`. */
  listening?: () => { url?: string; error?: string };
}

/**
 * A node, assembled but not yet serving: connect `mcp` (the MCP SDK's `McpServer`) to a
 * transport such as `StdioServerTransport`, and serve `handler` on a port.
 */
export interface MeshNode {
  /**
   * Carries `send`, `recv` and report events to SSE clients and the MCP side.
   * @ignore (a part: `Hub` is in the `./internal` entry)
   */
  hub: Hub;
  /** The HTTP interface: serve it on a port, or call it with a `Request`. */
  handler: Handler;
  /**
   * Hands received messages to the MCP session (held until it initializes).
   * @ignore (a part: `Channel` is in the `./internal` entry)
   */
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

async function defaultTransport(config: Config, deps: NodeDeps, hub: Hub): Promise<PeerTransport> {
  if (config.nats) {
    // Broker mode only: HTTP nodes never load the NATS client.
    const { NatsTransport } = await import("../nats/transport.ts");
    return new NatsTransport({
      config: config.nats,
      role: config.role,
      secret: config.secret,
      version: VERSION,
      log: deps.log,
      hub,
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
  // Twice the signature tolerance, and remembered across restarts: a replay stays a replay.
  const operatorSeen = new SeenIds({ ttlMs: 600_000, maxSize: 5_000 });
  const operatorIds = deps.operatorIdsFile === null || !config.operatorKey
    ? operatorSeen
    : new UsedIdsFile(
      deps.operatorIdsFile ?? join(cacheDir(), `operator-ids-${config.role}.jsonl`),
      operatorSeen,
      log,
    );
  // How queued messages end, for watchers too (the session gets them as channel events).
  hub.onReport((r) => hub.notice("delivery_report", { ...r }));
  // Sending first: the transport, then the messenger and the MCP side that use it.
  const transport = await (deps.transport?.({ hub }) ?? defaultTransport(config, deps, hub));
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
  const { channel, permissions, session } = mcp;
  // Then receiving, which hands messages to that session: the same rules for every transport.
  const context: ReceiveContext = {
    role: config.role,
    maxMessageBytes: config.maxMessageBytes,
    now: () => new Date(),
    hub,
    // Replayed signed requests: twice the signature tolerance of 300 s.
    seen: new SeenIds({ ttlMs: 600_000, maxSize: 20_000 }),
    delivered,
    onDelivered: (entry) => deliveredLog?.add(entry),
    onReceipt: (receipt) => messenger.takeReceipt(receipt),
    deliver: (envelope, hold) => channel.deliver(envelope, hold),
    limiter: config.rateLimitPerMinute
      ? new RateLimiter({ perMinute: config.rateLimitPerMinute, burst: config.rateLimitBurst })
      : undefined,
    // One address may send 4 times one sender's rate, whatever names it claims (peers behind
    // one NAT or ngrok agent share an address).
    addressLimiter: config.rateLimitPerMinute
      ? new RateLimiter({
        perMinute: config.rateLimitPerMinute * 4,
        burst: config.rateLimitBurst * 4,
      })
      : undefined,
  };
  const facts = {
    role: config.role,
    // In broker mode the peers are the broker's members (and its roster), not the ignored PEERS.
    peers: () => transport.peers().map((p) => p.name),
    online: () => transport.status().online,
    version: VERSION,
    requireSignature: config.requireSignature,
  };
  const key = signatureKey(config.secret);
  // A viewer that connects late still sees who is blocked on a prompt (/events and a broker).
  const hello = () =>
    permissions
      ? { permission_requests: permissions.pending().map((p) => promptData(config.role, p)) }
      : {};
  const operator = operatorReceiver({
    target: { role: config.role, ...(config.nats ? { mesh: config.nats.mesh } : {}) },
    publicKey: config.operatorKey?.key,
    used: operatorIds,
    maxMessageBytes: config.maxMessageBytes,
    verdict: (id, behavior, by) =>
      permissions ? permissions.verdict(id, behavior, by) : Promise.resolve("not_pending"),
    deliver: async (envelope) => {
      const handed = await channel.deliver(envelope, true, true);
      if (handed === "delivered" || handed === "held") hub.publish("recv", envelope);
      return handed;
    },
  });
  const handler = createHandler({
    ...context,
    ...facts,
    secret: config.secret,
    streams,
    session: () => session.info(),
    signingKey: key,
    maxEventClients: config.maxEventClients,
    throttle: config.authFailuresPerMinute !== 0
      ? new AuthThrottle({ perMinute: config.authFailuresPerMinute ?? 30, burst: 10, log })
      : undefined,
    hello,
    operator: operatorRoutes(operator),
  });
  // A transport that receives (a broker) is bound to the node's receiving side once, now that
  // it exists: the one cycle (it carries the messenger's sends and the session's messages).
  transport.bind?.({ context, key, health: () => healthBody(facts), hello, operator });

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
    channel,
    mcp: mcp.server,
    start: () => transport.start(),
    close,
  };
}
