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
import { cacheDir } from "../platform/dirs.ts";
import type { Envelope } from "../core/envelope.ts";
import { Store, type StoreInfo } from "../store/store.ts";
import { nodeKeyFile, storeFile } from "../store/location.ts";
import { loadNodeKeys } from "../store/node_key_file.ts";
import { generateNodeKeys, keyCard, type NodeKeys } from "../core/node_key.ts";
import { Pins } from "../node/pins.ts";
import { Privacy } from "../node/privacy.ts";
import type { Channel } from "../node/channel.ts";
import type { ReceiveContext } from "../node/receive.ts";
import { healthBody } from "../node/receiver.ts";
import { join } from "node:path";
import { signatureKey } from "../core/signature.ts";
import type { Config } from "../node/config.ts";
import { Hub } from "../node/hub.ts";
import { createMcpServer } from "../node/mcp_server.ts";
import { Messenger } from "../node/messenger.ts";
import type { Peer, PeerTransport } from "../node/transport.ts";
import { createHandler } from "../http/handler.ts";
import type { HttpRequest } from "../http/request.ts";
import { operatorRoutes } from "../http/operator.ts";
import { repinRoute } from "../http/repin_route.ts";
import { operatorReceiver } from "../node/operator.ts";
import { promptData } from "../node/permissions.ts";
import { EventStreams } from "../http/sse.ts";
import { AuthThrottle } from "../http/throttle.ts";
import { HttpTransport } from "../http/transport.ts";
import { withLocalPeers } from "../http/local_peers.ts";
import { Waiters } from "../node/waiters.ts";

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
   * The node's database file (history, outbox, remembered ids); `null` keeps everything in
   * memory only. Default: `<role>.db` (`<mesh>.<role>.db` in broker mode) in
   * `config.stateDir`.
   */
  store?: string | null;
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
  /**
   * The hook waiters of this session (`claude-talkie-walkie hook`): once one attached,
   * messages go to them instead of channel events. Serve them with `http/hook_server.ts`.
   * @ignore (a part: `Waiters` is in the `./internal` entry)
   */
  waiters: Waiters;
  /** Where the node keeps its history, outbox and ids, and how that went. */
  store: StoreInfo;
  /** Joins the mesh (a broker connects here) and resumes the kept outbox; never throws. */
  start(): Promise<void>;
  /** Stops everything: messenger, SSE streams, MCP and transport. Idempotent. */
  close(): Promise<void>;
}

async function defaultTransport(
  config: Config,
  deps: NodeDeps,
  hub: Hub,
  nodeKeys: NodeKeys,
  privacy: Privacy,
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
      hub,
      nodeKeys,
      privacy,
    });
  }
  const http = new HttpTransport({
    peers: config.peers,
    secret: config.secret,
    requireSignature: config.requireSignature,
    allowSecretHeader: config.allowSecretHeader,
    log: deps.log,
    fetch: deps.fetch,
    nodeKeys,
    privacy,
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
  // What the node was told and what it sent outlives it: one database per role (and mesh).
  const store = Store.open({
    path: deps.store === null
      ? ":memory:"
      : deps.store ?? storeFile(config.stateDir, config.role, config.nats?.mesh),
    log,
    // Longer than any sender retries (its retry window; ours is the guess), and at least twice
    // the signature tolerance, so a replay cannot outlive its id.
    deliveredTtlMs: Math.max(config.retryWindowMs + 300_000, 600_000),
    // Replayed signed requests and operator ids: twice the signature tolerance of 300 s.
    replayTtlMs: 600_000,
    historyDays: config.historyDays,
    historyMaxBytes: config.historyMaxBytes,
    // The delivered-id file of earlier versions, read once.
    legacyDeliveredFile: deps.store === null
      ? undefined
      : join(cacheDir(), `delivered-${config.role}.jsonl`),
  });
  if (store.info.persistent && !store.info.problem) {
    log(`history and queue kept in ${store.info.path}`);
  }
  // The node's identity: its key file beside the store (a key of this run only without one).
  const loaded = deps.store === null
    ? { keys: generateNodeKeys(), created: false, problem: undefined }
    : loadNodeKeys(nodeKeyFile(config.stateDir, config.role, config.nats?.mesh));
  const nodeKeys = loaded.keys;
  if (loaded.problem) log(loaded.problem);
  log(`node key ${nodeKeys.fingerprint}${loaded.created ? " (new)" : ""}`);
  const pins = new Pins({ store: store.pins, configured: config.pins, log });
  const privacy = new Privacy(nodeKeys, pins, signatureKey(config.secret));
  // Every message sent, with how it went on; the session's inbox is the store's too.
  hub.onNotice(({ event, data }) => {
    if (event !== "outcome") return;
    const { envelope, status } = data as { envelope: Envelope; status: string };
    store.safely("record a sent message", () => store.history.sent(envelope, status, Date.now()));
  });
  hub.onReport((r) =>
    store.safely("record an outcome", () => store.history.outcome(r.message_id, r.peer, r.outcome))
  );
  // How queued messages end, for watchers too (the session gets them as channel events).
  hub.onReport((r) => hub.notice("delivery_report", { ...r }));
  // Sending first: the transport, then the messenger and the MCP side that use it.
  const transport = await (deps.transport?.({ hub }) ??
    defaultTransport(config, deps, hub, nodeKeys, privacy));
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
    outboxPersistence: {
      add: (peer, envelope, queuedAt, attempts) => {
        const key = store.outbox.add({ ...peer }, envelope, queuedAt, attempts);
        // On disk before the session hears "queued", whatever batch it joined.
        store.commitNow();
        return key;
      },
      attempted: (key, attempts) =>
        store.safely("count an attempt", () => store.outbox.attempted(key, attempts)),
      remove: (key) => store.safely("remove a queued message", () => store.outbox.remove(key)),
    },
  });
  const mcp = createMcpServer({
    role: config.role,
    version: VERSION,
    hub,
    messenger,
    inbox: store.history,
    listening: deps.listening ?? (() => ({ error: "no HTTP listener" })),
    unreadNoticeMs: config.unreadNoticeSeconds * 1000,
    roleFrom: config.localDefaults?.role,
    storeProblem: store.info.problem,
    keys: { own: nodeKeys.fingerprint, pinned: (role) => pins.fingerprint(role) },
    permissions: config.operatorKey
      ? { timeoutMs: config.promptTimeoutMs, log: (line) => log(line) }
      : undefined,
  });
  const { channel, permissions, session } = mcp;
  // The hook path: once a waiter attached, a message goes to the waiters (and the inbox), not
  // also as a channel event, so it reaches the model once. Printed means in context: `seen`.
  const waiters = new Waiters({
    keep: (envelope, operator) => {
      try {
        store.history.add(envelope, Date.now(), operator);
        return true;
      } catch {
        return false;
      }
    },
    onSeen: (envelopes) => {
      for (const e of envelopes) store.history.markRead(e.message_id);
      messenger.sendReceipts(envelopes, true);
    },
  });
  const toSession = (envelope: Envelope, hold: boolean, operator = false) =>
    waiters.attached
      ? Promise.resolve(waiters.deliver(envelope, operator))
      : channel.deliver(envelope, hold, operator);
  // Then receiving, which hands messages to that session: the same rules for every transport.
  const context: ReceiveContext = {
    role: config.role,
    maxMessageBytes: config.maxMessageBytes,
    now: () => new Date(),
    hub,
    seen: store.replays,
    delivered: store.delivered,
    batch: () => store.batch(),
    onReceipt: (receipt) => messenger.takeReceipt(receipt),
    deliver: (envelope, hold) => toSession(envelope, hold),
    pins,
    privacy,
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
    nodeKey: keyCard(nodeKeys, config.role),
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
    used: store.operatorIds,
    maxMessageBytes: config.maxMessageBytes,
    verdict: (id, behavior, by) =>
      permissions ? permissions.verdict(id, behavior, by) : Promise.resolve("not_pending"),
    deliver: async (envelope) => {
      const handed = await toSession(envelope, true, true);
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
    repin: repinRoute({
      role: config.role,
      keys: nodeKeys,
      pins: store.pins,
      configured: config.pins,
      seen: store.replays,
      log,
    }),
  });
  // A transport that receives (a broker) is bound to the node's receiving side once, now that
  // it exists: the one cycle (it carries the messenger's sends and the session's messages).
  transport.bind?.({ context, key, health: () => healthBody(facts), hello, operator });

  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      mcp.detach();
      waiters.close();
      for (const { peer, count } of messenger.close()) {
        log(
          store.info.persistent
            ? `${count} queued message(s) to "${peer}" wait in ${store.info.path} for the next start`
            : `dropping ${count} queued message(s) to "${peer}" (the store is in memory only)`,
        );
      }
      streams.closeAll();
      await Promise.allSettled([mcp.server.close(), transport.close()]);
      store.close();
    })();
  const start = async () => {
    await transport.start();
    // The queue of the last run goes on where it stopped, in order per peer.
    messenger.resume(
      (store.safely("read the queue", () => store.outbox.all()) ?? []).map((row) => ({
        key: row.id,
        peer: row.peer as unknown as Peer,
        envelope: row.envelope,
        queuedAt: row.queuedAt,
        attempts: row.attempts,
      })),
    );
    store.startPruning();
  };
  return {
    hub,
    handler,
    channel,
    waiters,
    mcp: mcp.server,
    store: store.info,
    start,
    close,
  };
}
