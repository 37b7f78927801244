/**
 * A `fetch` for Node made of `node:http` / `node:https` with a keep-alive agent, for what the
 * global fetch cannot do without the undici package: trusting a private CA (INTERCOM_CA). It
 * covers what the mesh's client uses: method, headers, a string or byte body, an AbortSignal,
 * and a buffered response.
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

/** Statuses whose responses have no body (a `Response` refuses one). */
const NULL_BODY = new Set([101, 204, 205, 304]);

function toHeaders(message: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = message.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  return headers;
}

function requestHeaders(init: RequestInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, key) => out[key] = value);
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
 * @returns a function with fetch's shape; it rejects with `signal.reason` (a TimeoutError for
 *   `AbortSignal.timeout`) when the signal fires, and with the socket's error (its `code`, such
 *   as ECONNREFUSED or UNABLE_TO_VERIFY_LEAF_SIGNATURE, kept) when the request fails.
 */
export function nodeFetch(options: NodeFetchOptions = {}): typeof fetch {
  const http = new HttpAgent({ keepAlive: true });
  const https = new HttpsAgent({ keepAlive: true, ...(options.ca ? { ca: options.ca } : {}) });
  return ((input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const secure = url.protocol === "https:";
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
          const status = message.statusCode ?? 500;
          resolve(
            new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), {
              status,
              statusText: message.statusMessage,
              headers: toHeaders(message),
            }),
          );
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
