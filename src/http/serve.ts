/**
 * Serving the node's fetch-style handler on a port, one adapter per runtime: srvx (Deno.serve)
 * under Deno, `serve_node.ts` (plain `node:http`, no web streams on the message path) under
 * Node. Both adapters only carry bytes: every request is judged by the handler.
 *
 * @module
 */

import { isDeno } from "../platform/runtime.ts";
import type { HttpRequest } from "./request.ts";

/** Where and how to listen; a node's `Config` has these fields. */
export interface ListenOptions {
  port: number;
  hostname: string;
  /** PEM certificate (file path or the PEM text); HTTPS when given with `tlsKey`. */
  tlsCert?: string;
  /** PEM private key (file path or the PEM text). */
  tlsKey?: string;
}

/**
 * Limits of the listener against connections that hold resources without authenticating. They
 * apply under Node (node:http). Deno.serve offers none of them (no header,
 * idle or connection limit: a connection that sends nothing stays open there); under Deno the
 * handler's own limits apply (headers checked before any body is read, few unauthenticated
 * bodies at once, a body timeout, refusals that close the connection).
 */
export const SERVER_LIMITS = {
  /** Complete request headers must arrive within this, in milliseconds (else 408 and close). */
  headersTimeoutMs: 10_000,
  /** A whole request (headers and body) must arrive within this, in milliseconds. */
  requestTimeoutMs: 30_000,
  /** An idle keep-alive connection is closed after this, in milliseconds. */
  keepAliveTimeoutMs: 5_000,
  /** How often node:http checks the two timeouts above, in milliseconds. */
  checkIntervalMs: 1_000,
  /** Most open connections; more are closed as they arrive. SSE clients count. */
  maxConnections: 256,
} as const;

/** A listening server. */
export interface Server {
  /** Base URL, e.g. `http://127.0.0.1:8788/` (the port is the real one when 0 was asked). */
  url?: string;
  /** Stops listening; with `closeActiveConnections` it also ends open connections (SSE). */
  close(closeActiveConnections?: boolean): Promise<void>;
}

/** The fetch-style handler a server calls for each request. */
export type FetchHandler = (request: HttpRequest) => Promise<Response>;

/**
 * Listens on `options.hostname:options.port` and answers every request with `fetch`.
 *
 * @example
 * ```ts
 * const server = await listen({ port: 0, hostname: "127.0.0.1" }, () => Promise.resolve(new Response("ok")));
 * await server.close(true);
 * ```
 * @throws the runtime's error when it cannot listen (its `code` or message names EADDRINUSE,
 *   AddrInUse, EACCES or PermissionDenied).
 */
export async function listen(options: ListenOptions, fetch: FetchHandler): Promise<Server> {
  if (!isDeno) return (await import("./serve_node.ts")).listenNode(options, fetch);
  const { serve } = await import("srvx");
  const server = serve({
    fetch,
    port: options.port,
    hostname: options.hostname,
    // srvx prints "Listening on" to stdout by default, which would break MCP.
    silent: true,
    // We own the signals: shutdown must also close MCP and SSE streams.
    gracefulShutdown: false,
    reusePort: false,
    // srvx reads PEM paths and serves HTTPS when both are set.
    ...(options.tlsCert && options.tlsKey
      ? { protocol: "https" as const, tls: { cert: options.tlsCert, key: options.tlsKey } }
      : {}),
  });
  await server.ready();
  return server;
}
