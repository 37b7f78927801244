/**
 * Translation between NATS messages and the node's fetch-style handler, pure apart from
 * building `Request`/`Response` objects. An incoming broker message becomes a `Request` for
 * the handler (so signature checks, rate limits and dedupe are the HTTP path's); its answer
 * travels back as JSON `{"status":…,"body":…}`.
 *
 * @module
 */

import type { DeliveryOutcome, ProbeOutcome } from "../http/client.ts";
import { WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP } from "../core/signature.ts";

/** The only headers carried from a broker message into the handler: no secret header. */
export const SIGNED_HEADERS: readonly string[] = [WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE];

/** Origin of requests made from broker messages; it never resolves. */
export const NATS_ORIGIN = "http://nats.invalid";

/** Reads a header of a NATS message (`MsgHdrs.get` returns "" when absent). */
export type HeaderReader = (name: string) => string;

/**
 * A `POST /message` request carrying a broker message, with only its signature headers: an
 * unsigned message is refused by the handler as any unsigned HTTP request would be.
 */
export function messageRequest(get: HeaderReader | undefined, body: Uint8Array): Request {
  const headers: Record<string, string> = { "content-type": "application/json" };
  for (const name of SIGNED_HEADERS) {
    const value = get?.(name) ?? "";
    if (value !== "") headers[name] = value;
  }
  // Typed as ArrayBuffer-backed: the bytes come from a NATS message, never a SharedArrayBuffer.
  const bytes = body as Uint8Array<ArrayBuffer>;
  return new Request(`${NATS_ORIGIN}/message`, { method: "POST", headers, body: bytes });
}

/** A `GET /health` request, for probes. */
export function healthRequest(): Request {
  return new Request(`${NATS_ORIGIN}/health`);
}

/**
 * Encodes the handler's answer as the reply payload `{"status":…,"body":…}`, with
 * `retry_after_seconds` from a `Retry-After` header.
 */
export async function encodeReply(response: Response): Promise<Uint8Array> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch { /* not JSON: keep the text */ }
  const retryAfter = Number(response.headers.get("retry-after") ?? NaN);
  const reply = Number.isFinite(retryAfter)
    ? { status: response.status, body, retry_after_seconds: retryAfter }
    : { status: response.status, body };
  return new TextEncoder().encode(JSON.stringify(reply));
}

/** A decoded reply; `undefined` fields when the payload was not one of ours. */
export interface Reply {
  status: number;
  body: Record<string, unknown>;
  retryAfterSeconds?: number;
}

/** Decodes a reply payload; a payload of the wrong shape gives status 502. */
export function decodeReply(data: Uint8Array): Reply {
  try {
    const r = JSON.parse(new TextDecoder().decode(data));
    if (typeof r?.status === "number") {
      const body = r.body !== null && typeof r.body === "object" ? r.body : { error: r.body };
      const retry = typeof r.retry_after_seconds === "number" ? r.retry_after_seconds : undefined;
      return { status: r.status, body, retryAfterSeconds: retry };
    }
  } catch { /* below */ }
  return { status: 502, body: { error: "the reply was not a talkie-walkie answer" } };
}

/**
 * The delivery outcome of a reply, as `peer_client.ts` makes it from an HTTP answer: 2xx
 * delivered, 401 unauthorized, 429 and 5xx retryable, anything else refused.
 */
export function replyOutcome(reply: Reply, latencyMs: number): DeliveryOutcome {
  if (reply.status >= 200 && reply.status < 300) {
    return { ok: true, status: reply.status, latencyMs };
  }
  const error = typeof reply.body.error === "string" ? reply.body.error.slice(0, 300) : "";
  return {
    ok: false,
    kind: reply.status === 401 ? "unauthorized" : "refused",
    status: reply.status,
    reason: error || `status ${reply.status}`,
    retryable: reply.status >= 500 || reply.status === 429,
    retryAfterMs: reply.retryAfterSeconds === undefined
      ? undefined
      : reply.retryAfterSeconds * 1000,
  };
}

/** The probe outcome of a `/health` reply from the node expected to be `role`. */
export function healthOutcome(reply: Reply, role: string, latencyMs: number): ProbeOutcome {
  const b = reply.body;
  if (reply.status !== 200 || typeof b.role !== "string") {
    return { state: "offline", reason: `health answered status ${reply.status}` };
  }
  const signatures = Array.isArray(b.signatures) && b.signatures.includes("v1");
  if (b.role !== role) return { state: "wrong_role", latencyMs, role: b.role, signatures };
  const version = typeof b.version === "string" ? b.version : undefined;
  return { state: "online", latencyMs, version, signatures };
}
