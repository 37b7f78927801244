/**
 * DNS-rebinding and browser guard of the HTTP listener. A web page whose name re-resolves to
 * 127.0.0.1 reaches a loopback node with its own name in `Host`; a browser also sends
 * `Origin`. Nodes, `curl` and CI jobs send neither a foreign `Host` nor an `Origin`.
 *
 * - On a loopback bind, `Host` must be `localhost`, a `127.x.y.z` address or `[::1]` (any
 *   port), or a name of INTERCOM_ALLOWED_HOSTS.
 * - On every bind, a request with an `Origin` header is refused unless the origin's host is in
 *   INTERCOM_ALLOWED_HOSTS (`Origin: null` included).
 *
 * Refusals are 403 with a JSON error. Only the listener is guarded: broker-mode requests never
 * pass here.
 *
 * @module
 */

import type { HttpRequest } from "./request.ts";

/** Options of {@linkcode guardHosts}. */
export interface HostGuardOptions {
  /** The bind address (`127.0.0.1`, `0.0.0.0`, `::1`, …). */
  hostname: string;
  /** Extra host names (lower case, no port), from INTERCOM_ALLOWED_HOSTS. */
  allowedHosts?: readonly string[];
}

/** Whether `host` (a name or IP literal, IPv6 with or without brackets) is a loopback name. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The host name of a `Host` header value, without port, lower case (IPv6 keeps brackets). */
export function hostOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  return h.replace(/:\d*$/, "");
}

/**
 * Checks one request.
 *
 * @returns the refusal text, or undefined when the request may go on.
 *
 * @example
 * ```ts
 * const problem = hostProblem(
 *   new Request("http://evil.example:8788/events", { headers: { host: "evil.example:8788" } }),
 *   { hostname: "127.0.0.1" },
 * ); // 'Host "evil.example" is not …'
 * ```
 */
export function hostProblem(request: HttpRequest, options: HostGuardOptions): string | undefined {
  const allowed = allowedOf(options);
  const origin = request.headers.get("origin");
  if (origin !== null) {
    let host = "";
    try {
      host = hostOf(new URL(origin).host);
    } catch { /* "null" or garbage: refused below */ }
    if (!allowed.has(host)) {
      return `Browser requests are refused (Origin ${JSON.stringify(origin.slice(0, 100))}): ` +
        "peers, curl and CI send no Origin; list the host in INTERCOM_ALLOWED_HOSTS to allow it";
    }
  }
  if (!isLoopbackHost(options.hostname)) return undefined;
  const header = request.headers.get("host");
  if (header === null) return undefined;
  const host = hostOf(header);
  if (isLoopbackHost(host) || allowed.has(host)) return undefined;
  return `Host ${JSON.stringify(host.slice(0, 100))} is not a loopback name and this node ` +
    `listens on ${options.hostname} only (a DNS-rebinding page?): use 127.0.0.1 or ` +
    "localhost, or list the name in INTERCOM_ALLOWED_HOSTS";
}

// The allowed names of each options object, as a set made once rather than per request.
const allowedSets = new WeakMap<HostGuardOptions, Set<string>>();
function allowedOf(options: HostGuardOptions): Set<string> {
  let allowed = allowedSets.get(options);
  if (allowed === undefined) {
    allowed = new Set(options.allowedHosts ?? []);
    allowedSets.set(options, allowed);
  }
  return allowed;
}

/**
 * Wraps a fetch-style handler with {@linkcode hostProblem}: refused requests get 403
 * `{"ok":false,"error":…}` and never reach `handler`.
 */
export function guardHosts(
  handler: (request: HttpRequest) => Promise<Response>,
  options: HostGuardOptions,
): (request: HttpRequest) => Promise<Response> {
  return (request) => {
    const problem = hostProblem(request, options);
    if (problem === undefined) return handler(request);
    return Promise.resolve(
      new Response(JSON.stringify({ ok: false, error: problem }), {
        status: 403,
        headers: { "content-type": "application/json; charset=utf-8", connection: "close" },
      }),
    );
  };
}
