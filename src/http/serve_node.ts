/**
 * The Node adapter of the node's fetch-style handler: plain `node:http` / `node:https`. It hands
 * the handler a lightweight {@linkcode HttpRequest} whose `body` is the raw `IncomingMessage`
 * (read with the same limit, timeout and UTF-8 check by `readLimited`), and writes answers
 * straight to the `ServerResponse`: no web stream conversion of each body, as srvx's Node
 * adapter does.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { Buffer } from "node:buffer";
import { type FetchHandler, type ListenOptions, type Server, SERVER_LIMITS } from "./serve.ts";
import { JsonResponse } from "./response.ts";
import type { HttpRequest } from "./request.ts";

// Not `import … from "node:http"`: Node builds an ES module facade of a built-in by reading
// every export, and node:http's lazy ones load Node's internal undici (~50 ms at start-up).
const { createServer: createHttp } = process.getBuiltinModule("node:http");

/** What a handler reads of a request ({@linkcode HttpRequest}), over an `IncomingMessage`. */
class NodeRequest implements HttpRequest {
  readonly method: string;
  readonly url: string;
  /** The raw message (a `NodeBody` for `readLimited`); null for GET and HEAD, as in fetch. */
  readonly body: IncomingMessage | null;
  #raw: IncomingMessage;
  #headers?: Headers;

  constructor(raw: IncomingMessage, origin: string) {
    this.#raw = raw;
    this.method = raw.method ?? "GET";
    // The handler parses this and answers 400 when the Host header makes it unparsable.
    this.url = `${origin}${raw.headers.host ?? "localhost"}${raw.url ?? "/"}`;
    this.body = this.method === "GET" || this.method === "HEAD" ? null : raw;
  }

  /** The client's address (as srvx's `request.ip`), for limits per source. */
  get ip(): string | undefined {
    return this.#raw.socket.remoteAddress;
  }

  /** Built on first use: a `/message` request reads a few headers, `/health` maybe none. */
  get headers(): Headers {
    if (this.#headers === undefined) {
      const headers = new Headers();
      const raw = this.#raw.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
      this.#headers = headers;
    }
    return this.#headers;
  }
}

/** Copies a streamed body (SSE) to `res` until it ends or the client goes away. */
async function pump(body: ReadableStream<Uint8Array>, res: ServerResponse): Promise<void> {
  const reader = body.getReader();
  res.on("close", () => reader.cancel().catch(() => {}));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || res.destroyed) break;
      res.write(value);
    }
  } finally {
    res.end();
  }
}

/** Writes a handler's answer: buffered bodies in one `end()`, event streams as they come. */
async function send(response: Response, res: ServerResponse, head: boolean): Promise<void> {
  if (response instanceof JsonResponse) {
    const length = Buffer.byteLength(response.bodyText);
    res.writeHead(response.status, { ...response.headerRecord, "content-length": length });
    res.end(head ? undefined : response.bodyText);
    return;
  }
  const headers: string[] = [];
  response.headers.forEach((value, key) => headers.push(key, value));
  const body = response.body;
  if (body === null || head) {
    res.writeHead(response.status, headers).end();
    return;
  }
  if ((response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    res.writeHead(response.status, headers);
    res.flushHeaders();
    return await pump(body, res);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  headers.push("content-length", String(bytes.byteLength));
  res.writeHead(response.status, headers).end(bytes);
}

function answerError(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = '{"ok":false,"error":"Internal error: see the node\'s log"}';
  res.writeHead(500, { "content-type": "application/json; charset=utf-8" }).end(body);
}

/** A PEM value: the text itself, or read from the file it names (as srvx does). */
const pem = (value: string) =>
  value.startsWith("-----BEGIN ") ? value : readFileSync(value, "utf8");

/**
 * Listens with `node:http` (or `node:https` when `tlsCert` and `tlsKey` are set).
 *
 * @throws the listen error (`code` EADDRINUSE, EACCES, …).
 */
export function listenNode(options: ListenOptions, fetch: FetchHandler): Promise<Server> {
  const secure = Boolean(options.tlsCert && options.tlsKey);
  const origin = secure ? "https://" : "http://";
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    fetch(new NodeRequest(req, origin)).then(
      (response) => send(response, res, req.method === "HEAD"),
    ).catch(() => answerError(res));
  };
  // Connections that hold resources without authenticating are cut (see SERVER_LIMITS).
  const limits = {
    headersTimeout: SERVER_LIMITS.headersTimeoutMs,
    requestTimeout: SERVER_LIMITS.requestTimeoutMs,
    keepAliveTimeout: SERVER_LIMITS.keepAliveTimeoutMs,
    connectionsCheckingInterval: SERVER_LIMITS.checkIntervalMs,
  };
  const server = secure
    ? process.getBuiltinModule("node:https").createServer({
      ...limits,
      cert: pem(options.tlsCert!),
      key: pem(options.tlsKey!),
    }, onRequest)
    : createHttp(limits, onRequest);
  server.maxConnections = SERVER_LIMITS.maxConnections;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => {
      server.off("error", reject);
      // A failed accept (EMFILE) must not end the session as an unhandled "error" event.
      server.on("error", () => {});
      const { port } = server.address() as AddressInfo;
      const host = options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname;
      resolve({
        url: `${origin}${host}:${port}/`,
        close: (closeActiveConnections = false) =>
          new Promise<void>((done) => {
            server.close(() => done());
            if (closeActiveConnections) server.closeAllConnections();
            else server.closeIdleConnections();
          }),
      });
    });
  });
}
