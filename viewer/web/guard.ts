/**
 * Who may talk to the web viewer: every request must name this server in `Host` (so a DNS
 * rebinding name gets nothing) and come from no other origin (`Origin` absent or the same,
 * `Sec-Fetch-Site` not cross-site). The data (the event stream, the two actions) also needs the
 * per-run token, as `Authorization: Bearer` or `?token=`. Never a cookie: browsers send cookies
 * of 127.0.0.1 to every port of it, so any local server the browser opens would receive it. The
 * page keeps the token in its own tab's `sessionStorage`, which no other origin (another port is
 * another origin) can read. Pure: a request in, a verdict out.
 *
 * @module
 */

import { timingSafeEqual } from "node:crypto";
import type { HttpRequest } from "../../src/http/request.ts";

/** What {@linkcode checkRequest} compares a request with. */
export interface GuardOptions {
  /** The per-run token. */
  token: string;
  /** The port the server listens on. */
  port: number;
  /** Extra host names accepted besides 127.0.0.1, localhost and [::1] (the `--host` given). */
  hosts?: readonly string[];
  /** Accept any `Host` (bound to every interface with `--host 0.0.0.0`); the token still counts. */
  anyHost?: boolean;
}

/** The verdict: pass (`viaQuery`: the token came as `?token=`), or the answer to send. */
export type GuardResult =
  | { ok: true; viaQuery: boolean }
  | { ok: false; status: 401 | 403; error: string };

const LOOPBACK = ["127.0.0.1", "localhost", "[::1]"];

function same(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Checks Host and Origin of `request`, not the token: enough for the page itself (its HTML,
 * script and style hold no data).
 */
export function checkOrigin(request: HttpRequest, options: GuardOptions): GuardResult {
  const host = (request.headers.get("host") ?? new URL(request.url).host).toLowerCase();
  const allowed = [...LOOPBACK, ...(options.hosts ?? [])].map((h) => `${h}:${options.port}`);
  if (!options.anyHost && !allowed.includes(host)) {
    return { ok: false, status: 403, error: `Host "${host}" is not this viewer` };
  }
  const origin = request.headers.get("origin");
  if (origin !== null && origin.toLowerCase() !== `http://${host}`) {
    return { ok: false, status: 403, error: "Requests from other origins are refused" };
  }
  if (request.headers.get("sec-fetch-site") === "cross-site") {
    return { ok: false, status: 403, error: "Cross-site requests are refused" };
  }
  return { ok: true, viaQuery: false };
}

/**
 * Checks Host, Origin and the token of `request`.
 *
 * @example
 * ```ts
 * const verdict = checkRequest(new Request("http://127.0.0.1:8790/?token=t0k3n"), {
 *   token: "t0k3n",
 *   port: 8790,
 * });
 * // { ok: true, viaQuery: true }
 * ```
 */
export function checkRequest(request: HttpRequest, options: GuardOptions): GuardResult {
  const origin = checkOrigin(request, options);
  if (!origin.ok) return origin;
  const query = new URL(request.url).searchParams.get("token");
  const bearer = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
  if (bearer !== undefined && same(bearer, options.token)) return { ok: true, viaQuery: false };
  if (query !== null && same(query, options.token)) return { ok: true, viaQuery: true };
  return {
    ok: false,
    status: 401,
    error: "Missing or wrong token: open the URL with ?token= that the viewer printed",
  };
}
