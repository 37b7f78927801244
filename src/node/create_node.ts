/**
 * A mesh node: the composition of hub, HTTP handler, SSE streams, messenger and MCP server,
 * and its lifecycle. This is the only module that wires the others together.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { fetchTrusting } from "../platform/runtime.ts";
import { StdioServerTransport, type Transport } from "../platform/sdk.ts";
import type { Config } from "../cli/config.ts";
import { createHandler } from "../http/handler.ts";
import { listen, type Server } from "../http/serve.ts";
import { Hub } from "./hub.ts";
import { HttpTransport } from "../http/transport.ts";
import type { Logger } from "../platform/log.ts";
import { createMcpServer } from "./mcp_server.ts";
import { Messenger } from "./messenger.ts";
import { BrokerMessenger } from "../nats/messenger.ts";
import type { NatsTransport } from "../nats/transport.ts";
import { RateLimiter } from "../core/rate_limit.ts";
import { SeenIds } from "../core/replay.ts";
import { signatureKey } from "../core/signature.ts";
import { EventStreams } from "../http/sse.ts";
import type { PeerTransport } from "./transport.ts";
import { VERSION } from "../platform/version.ts";

/** Options for {@linkcode startNode}. */
export interface StartOptions {
  /** MCP transport; stdio by default. */
  transport?: Transport;
  log: Logger;
  /** Interval of SSE keep-alive comments, in milliseconds (default 15 000). */
  keepAliveMs?: number;
  /**
   * Makes the outbound transport (default: the HTTP mesh over PEERS). It gets the node's
   * request handler, through which every incoming message must go.
   */
  peerTransport?: (handler: (request: Request) => Promise<Response>) => PeerTransport;
}

/** A running node. */
export interface RunningNode {
  hub: Hub;
  /** Base URL it listens on, e.g. `http://127.0.0.1:8788`; undefined when listening failed. */
  url?: string;
  /** Why it is not listening (port in use), if so. */
  listenError?: string;
  /** Stops everything: SSE streams, HTTP listener, MCP. Idempotent. */
  close(): Promise<void>;
}

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

/**
 * Broker mode's transport. Loaded only when INTERCOM_NATS_URL is set, so HTTP nodes do not pay
 * for the NATS client at startup.
 */
async function brokerTransport(
  config: Config,
  parts: { handler: (r: Request) => Promise<Response>; hub: Hub; log: Logger },
): Promise<NatsTransport> {
  const nats = await import("../nats/transport.ts");
  const transport = new nats.NatsTransport({
    config: config.nats!,
    role: config.role,
    secret: config.secret,
    version: VERSION,
    ...parts,
  });
  return transport;
}

/**
 * Starts a node: HTTP listener first, then the MCP server on its transport. A port that is in
 * use does not stop the node: the MCP side still comes up so Claude can send and see why.
 */
export async function startNode(config: Config, options: StartOptions): Promise<RunningNode> {
  const { log } = options;
  const hub = new Hub();
  const streams = new EventStreams(hub, options.keepAliveMs);
  const peers = config.peers.map((p) => p.name);
  const handler = createHandler({
    role: config.role,
    peers,
    version: VERSION,
    secret: config.secret,
    maxMessageBytes: config.maxMessageBytes,
    hub,
    streams,
    // Remember ids longer than any sender retries them (its retry window; ours is the guess)
    // and at least twice the signature tolerance, so a replay cannot outlive its id.
    seen: new SeenIds({
      ttlMs: Math.max(config.retryWindowMs + 300_000, 600_000),
      // ~22 messages/s for 15 min, far above what sessions send; bounded memory beyond that.
      maxSize: 20_000,
    }),
    signingKey: signatureKey(config.secret),
    requireSignature: config.requireSignature,
    limiter: config.rateLimitPerMinute
      ? new RateLimiter({ perMinute: config.rateLimitPerMinute, burst: config.rateLimitBurst })
      : undefined,
    maxEventClients: config.maxEventClients,
  });

  let http: Server | undefined;
  let url: string | undefined;
  let listenError: string | undefined;
  try {
    http = await listen(config, handler);
    const port = new URL(http.url!).port;
    const host = config.hostname.includes(":") ? `[${config.hostname}]` : config.hostname;
    url = `${config.tlsCert ? "https" : "http"}://${host}:${port}`;
    const from = config.nats ? `from NATS mesh "${config.nats.mesh}"` : peers.join(", ") || "none";
    log(`"${config.role}" listening on ${url}, peers: ${from}`);
  } catch (e) {
    listenError = describeListenError(e, config);
    log(`error: ${listenError}. The MCP tools still work for sending.`);
  }

  let trustingFetch: typeof fetch | undefined;
  if (config.caFile) {
    try {
      trustingFetch = await fetchTrusting(readFileSync(config.caFile, "utf8"));
    } catch (e) {
      log(`error: cannot use INTERCOM_CA "${config.caFile}": ${(e as Error).message}`);
    }
  }
  // Broker mode (INTERCOM_NATS_URL): peers and delivery go through NATS; HTTP stays for
  // webhooks, /health and /events.
  const broker = config.nats && !options.peerTransport
    ? await brokerTransport(config, { handler, hub, log })
    : undefined;
  // Joining first lets the MCP instructions name the members already online; a broker that
  // is slow to answer must not hold the session up for long.
  if (broker) await Promise.race([broker.start(), new Promise((r) => setTimeout(r, 4_000))]);
  const transport = options.peerTransport?.(handler) ?? broker ?? new HttpTransport({
    peers: config.peers,
    secret: config.secret,
    requireSignature: config.requireSignature,
    log,
    fetch: trustingFetch,
  });
  const messengerOptions = {
    role: config.role,
    transport,
    hub,
    maxMessageBytes: config.maxMessageBytes,
    retryWindowMs: config.retryWindowMs,
    outboxMaxMessages: config.outboxMaxMessages,
    outboxMaxBytes: config.outboxMaxBytes,
    sendLimitPerMinute: config.sendLimitPerMinute,
  };
  const messenger = broker && config.nats
    ? new BrokerMessenger(messengerOptions, {
      mesh: config.nats.mesh,
      problem: () => broker.problem(),
      live: () => broker.live(),
    })
    : new Messenger(messengerOptions);
  const mcp = createMcpServer({
    role: config.role,
    version: VERSION,
    hub,
    messenger,
    listening: () => {
      const problem = broker?.problem();
      if (problem) return { error: problem };
      return broker
        ? { url: `${broker.where()}; HTTP ${url ?? `not listening: ${listenError}`}` }
        : { url, error: listenError };
    },
  });
  await mcp.server.connect(options.transport ?? new StdioServerTransport());

  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      mcp.detach();
      for (const { peer, count } of messenger.close()) {
        log(`dropping ${count} queued message(s) to "${peer}" (nothing is kept on disk)`);
      }
      streams.closeAll();
      await Promise.allSettled([http?.close(true), mcp.server.close(), transport.close()]);
    })();
  return { hub, url, listenError, close };
}
