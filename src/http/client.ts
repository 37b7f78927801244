/**
 * Outbound HTTP to peers: delivering one envelope (`POST /message`) and probing `/health`.
 * Each call returns an outcome value; nothing here throws for a peer that is down.
 *
 * @module
 */

import { SECRET_HEADER } from "./auth.ts";
import type { Peer } from "../cli/config.ts";
import type { Envelope } from "../core/envelope.ts";
import { signHeaders } from "../core/signature.ts";

/**
 * Why a delivery did not succeed (yet). `stored`: a broker keeps the message for a receiver that
 * is offline and a delivery report comes when it is delivered; nothing is left to retry.
 */
export type FailureKind = "unreachable" | "timeout" | "unauthorized" | "refused" | "stored";

/**
 * Outcome of one delivery attempt. A failure is `retryable` when trying again later can help:
 * unreachable, timeout, HTTP 5xx and 429 (then `retryAfterMs` comes from `Retry-After`).
 */
export type DeliveryOutcome =
  | { ok: true; status: number; latencyMs: number }
  | {
    ok: false;
    kind: FailureKind;
    status?: number;
    reason: string;
    retryable: boolean;
    retryAfterMs?: number;
  };

/** `Retry-After` (seconds or an HTTP date, RFC 9110 §10.2.3) in milliseconds from `now`. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value.trim());
  if (value.trim() !== "" && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Outcome of a `/health` probe. */
export type ProbeOutcome =
  | {
    state: "online";
    latencyMs: number;
    version?: string;
    signatures: boolean;
    /** False when the peer says our signature does not verify (another secret). */
    authenticated?: boolean;
  }
  | { state: "wrong_role"; latencyMs: number; role: string; signatures: boolean }
  | { state: "offline"; reason: string };

/** Options shared by outbound calls. */
export interface ClientOptions {
  secret: string;
  /** Per-request timeout, in milliseconds. */
  timeoutMs: number;
  /**
   * Standard Webhooks key: when given, requests are signed and the secret is not sent;
   * otherwise the `X-Intercom-Secret` header carries it (v2 peers).
   */
  signingKey?: Uint8Array;
  /** fetch, injected for tests and for a private CA. */
  fetch?: typeof fetch;
}

/** Turns a fetch failure into a short cause: "connection refused", "host not found", … */
export function describeNetworkError(error: unknown): string {
  const parts: string[] = [];
  for (let e = error as { message?: string; code?: string; cause?: unknown } | undefined; e;) {
    if (e.code) parts.push(e.code);
    if (e.message) parts.push(e.message);
    e = e.cause as typeof e;
  }
  const text = parts.join(" ");
  const known: [RegExp, string][] = [
    [/ECONNREFUSED|Connection refused/i, "connection refused"],
    [/ENOTFOUND|EAI_AGAIN|dns error|failed to lookup|Name or service not known/i, "host not found"],
    [/ECONNRESET|connection reset/i, "connection reset"],
    [/EHOSTUNREACH|ENETUNREACH|unreachable/i, "network unreachable"],
    [/certificate|CERT_|self[- ]signed|UNABLE_TO_VERIFY/i, "TLS certificate not trusted"],
  ];
  for (const [pattern, label] of known) if (pattern.test(text)) return label;
  return (parts.at(-1) ?? String(error)).slice(0, 200);
}

async function errorText(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text);
    if (typeof body?.error === "string") return body.error.slice(0, 300);
  } catch { /* not JSON */ }
  return (text.trim() || response.statusText || `HTTP ${response.status}`).slice(0, 300);
}

/**
 * POSTs an envelope to a peer's `/message` as JSON, with the `X-Intercom-Secret` header.
 *
 * Outcomes: `ok` on 2xx (a duplicate the peer already has counts as delivered);
 * `unauthorized` on 401; `refused` on any other HTTP error (with the peer's own error text);
 * `unreachable` when no connection could be made; `timeout`.
 */
export async function deliver(
  peer: Peer,
  envelope: Envelope,
  options: ClientOptions,
): Promise<DeliveryOutcome> {
  const started = performance.now();
  const doFetch = options.fetch ?? fetch;
  const body = JSON.stringify(envelope);
  const headers: Record<string, string> = options.signingKey
    ? signHeaders(options.signingKey, {
      id: envelope.message_id,
      timestamp: Math.floor(Date.now() / 1000),
      body,
    })
    : { [SECRET_HEADER]: options.secret };
  headers["content-type"] = "application/json";
  try {
    const response = await doFetch(`${peer.url}/message`, {
      method: "POST",
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (response.ok) {
      await response.body?.cancel();
      return { ok: true, status: response.status, latencyMs: performance.now() - started };
    }
    const reason = await errorText(response);
    const status = response.status;
    return {
      ok: false,
      kind: status === 401 ? "unauthorized" : "refused",
      status,
      reason,
      retryable: status >= 500 || status === 429,
      retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
    };
  } catch (e) {
    if ((e as Error)?.name === "TimeoutError") {
      const reason = `no answer within ${options.timeoutMs} ms`;
      return { ok: false, kind: "timeout", reason, retryable: true };
    }
    const reason = describeNetworkError(e);
    // Retrying cannot make an untrusted certificate trusted: that needs configuration.
    if (reason === "TLS certificate not trusted") {
      const fix = `${reason}: set INTERCOM_CA to the CA that signed ${peer.url}'s certificate`;
      return { ok: false, kind: "refused", reason: fix, retryable: false };
    }
    return { ok: false, kind: "unreachable", reason, retryable: true };
  }
}

/** GETs a peer's `/health` and says whether it is online and answers with the expected role. */
export async function probe(
  peer: Peer,
  options: Omit<ClientOptions, "secret">,
): Promise<ProbeOutcome> {
  const started = performance.now();
  const doFetch = options.fetch ?? fetch;
  // Signed, so the peer can tell whether our secrets match (without anyone sending it).
  const headers = options.signingKey
    ? signHeaders(options.signingKey, {
      id: `probe_${crypto.randomUUID()}`,
      timestamp: Math.floor(Date.now() / 1000),
      body: "",
    })
    : undefined;
  try {
    const response = await doFetch(`${peer.url}/health`, {
      headers,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const latencyMs = performance.now() - started;
    if (!response.ok) {
      await response.body?.cancel();
      return { state: "offline", reason: `/health answered HTTP ${response.status}` };
    }
    type HealthBody = {
      role?: unknown;
      version?: string;
      signatures?: unknown;
      authenticated?: unknown;
    }; // json() is unknown in Node types
    const body = await response.json().catch(() => null) as HealthBody | null;
    if (typeof body?.role !== "string") {
      return { state: "offline", reason: "/health did not answer like a talkie-walkie node" };
    }
    const signatures = Array.isArray(body.signatures) && body.signatures.includes("v1");
    if (body.role !== peer.name) {
      return { state: "wrong_role", latencyMs, role: body.role, signatures };
    }
    const authenticated = typeof body.authenticated === "boolean" ? body.authenticated : undefined;
    return { state: "online", latencyMs, version: body.version, signatures, authenticated };
  } catch (e) {
    if ((e as Error)?.name === "TimeoutError") {
      return { state: "offline", reason: `no answer within ${options.timeoutMs} ms` };
    }
    return { state: "offline", reason: describeNetworkError(e) };
  }
}
