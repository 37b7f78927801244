/**
 * A `fetch` for Node made of `node:http` / `node:https` with a keep-alive agent: the node's
 * outbound HTTP under Node (a third of the CPU of the global fetch per request, which builds
 * undici's web streams, `Request` and `Response` around every call), and what the global fetch
 * cannot do without the undici package: trusting a private CA (INTERCOM_CA). It covers what the
 * mesh's client uses: method, headers, a string or byte body, an AbortSignal, and a buffered
 * response with `status`, `ok`, `headers.get`, `text()`, `json()` and `body.cancel()`.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { IncomingMessage } from "node:http";
import process from "node:process";

// Not `import … from "node:http"`, whose ES module facade loads Node's internal undici.
const { Agent: HttpAgent, request: httpRequest } = process.getBuiltinModule("node:http");
const { Agent: HttpsAgent, request: httpsRequest } = process.getBuiltinModule("node:https");

/** Options of {@linkcode nodeFetch}. */
export interface NodeFetchOptions {
  /** PEM certificates to trust for HTTPS (replaces the default roots: pass those too). */
  ca?: string[];
}

/** The response headers, read as fetch's `Headers` reads them (names in any case). */
class ReplyHeaders {
  #message: IncomingMessage;
  constructor(message: IncomingMessage) {
    this.#message = message;
  }
  get(name: string): string | null {
    const value = this.#message.headers[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
  }
  has(name: string): boolean {
    return this.get(name) !== null;
  }
  forEach(callback: (value: string, key: string) => void): void {
    for (const key of Object.keys(this.#message.headers)) callback(this.get(key)!, key);
  }
}

/**
 * A buffered answer with the parts of fetch's `Response` that callers read. Not undici's
 * `Response`: building one (and its `Headers`) per request costs more than the request.
 */
class Reply {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers: ReplyHeaders;
  readonly body: { cancel(): Promise<void> } = { cancel: () => Promise.resolve() };
  #bytes: Buffer;
  constructor(message: IncomingMessage, bytes: Buffer) {
    this.status = message.statusCode ?? 500;
    this.statusText = message.statusMessage ?? "";
    this.ok = this.status >= 200 && this.status < 300;
    this.headers = new ReplyHeaders(message);
    this.#bytes = bytes;
  }
  text(): Promise<string> {
    return Promise.resolve(this.#bytes.toString("utf8"));
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.#bytes;
    return Promise.resolve(
      b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer,
    );
  }
}

function requestHeaders(init: RequestInit | undefined): Record<string, string> {
  const given = init?.headers;
  // A plain object, as the mesh's client passes, goes through as it is.
  if (!given || Object.getPrototypeOf(given) === Object.prototype) {
    return (given ?? {}) as Record<string, string>;
  }
  const out: Record<string, string> = {};
  new Headers(given).forEach((value, key) => out[key] = value);
  return out;
}

/**
 * Makes a fetch over `node:http(s)`.
 *
 * @example
 * ```ts
 * import { rootCertificates } from "node:tls";
 * const privateCaPem = "-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n";
 * const trusting = nodeFetch({ ca: [...rootCertificates, privateCaPem] });
 * const health = () => trusting("https://peer.example:8788/health");
 * ```
 * @returns a function with fetch's shape (its response a buffered subset of `Response`, see the
 *   module's description); it rejects with `signal.reason` (a TimeoutError for
 *   `AbortSignal.timeout`) when the signal fires, and with the socket's error (its `code`, such
 *   as ECONNREFUSED or UNABLE_TO_VERIFY_LEAF_SIGNATURE, kept) when the request fails.
 */
export function nodeFetch(options: NodeFetchOptions = {}): typeof fetch {
  const http = new HttpAgent({ keepAlive: true });
  const https = new HttpsAgent({ keepAlive: true, ...(options.ca ? { ca: options.ca } : {}) });
  return ((input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === "string" || input instanceof URL
      ? String(input)
      : (input as Request).url;
    const secure = url.startsWith("https:");
    const signal = init?.signal ?? undefined;
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const request = (secure ? httpsRequest : httpRequest)(url, {
        method: init?.method ?? "GET",
        headers: requestHeaders(init),
        agent: secure ? https : http,
      }, (message) => {
        const chunks: Uint8Array[] = [];
        message.on("data", (chunk: Uint8Array) => chunks.push(chunk));
        message.on("error", reject);
        message.on("end", () => {
          signal?.removeEventListener("abort", abort);
          resolve(new Reply(message, Buffer.concat(chunks)) as unknown as Response);
        });
      });
      const abort = () => {
        request.destroy();
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", abort, { once: true });
      request.on("error", (e) => {
        signal?.removeEventListener("abort", abort);
        reject(e);
      });
      const body = init?.body;
      request.end(
        typeof body === "string" || body instanceof Uint8Array ? body : undefined,
      );
    });
  }) as typeof fetch;
}
