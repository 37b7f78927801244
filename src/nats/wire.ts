/**
 * Translation between NATS messages and the node's fetch-style handler, pure apart from
 * building `Request`/`Response` objects. An incoming broker message becomes a `Request` for
 * the handler (so signature checks, rate limits and dedupe are the HTTP path's); its answer
 * travels back as JSON `{"status":…,"body":…}`.
 *
 * @module
 */

import type { PeerReply } from "../core/outcome.ts";
import { WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP } from "../core/signature.ts";
import { OPERATOR_ID, OPERATOR_SIGNATURE, OPERATOR_TIMESTAMP } from "../core/operator_signature.ts";

/** The only headers carried from a broker message into the handler: no secret header. */
export const SIGNED_HEADERS: readonly string[] = [WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE];

/** Origin of requests made from broker messages; it never resolves. */
const NATS_ORIGIN = "http://nats.invalid";

/** Reads a header of a NATS message (`MsgHdrs.get` returns "" when absent). */
export type HeaderReader = (name: string) => string;

/**
 * A `POST /message` request (or `POST /receipt`, with `path`) carrying a broker message, with
 * only its signature headers: an unsigned message is refused by the handler as any unsigned
 * HTTP request would be.
 */
export function messageRequest(
  get: HeaderReader | undefined,
  body: Uint8Array,
  path: "/message" | "/receipt" = "/message",
): Request {
  const headers: Record<string, string> = { "content-type": "application/json" };
  for (const name of SIGNED_HEADERS) {
    const value = get?.(name) ?? "";
    if (value !== "") headers[name] = value;
  }
  // Typed as ArrayBuffer-backed: the bytes come from a NATS message, never a SharedArrayBuffer.
  const bytes = body as Uint8Array<ArrayBuffer>;
  return new Request(`${NATS_ORIGIN}${path}`, { method: "POST", headers, body: bytes });
}

/** The only headers carried from an operator request on the broker into the handler. */
export const OPERATOR_HEADERS: readonly string[] = [
  OPERATOR_ID,
  OPERATOR_TIMESTAMP,
  OPERATOR_SIGNATURE,
];

/**
 * A `POST /operator/<action>` request carrying an operator request from the broker (subject
 * `<mesh>.<role>.operator.<action>`), with only the operator's signature headers: the handler
 * checks the signature, the time and replays exactly as for the HTTP endpoint.
 */
export function operatorRequest(
  action: string,
  get: HeaderReader | undefined,
  body: Uint8Array,
): Request {
  const headers: Record<string, string> = { "content-type": "application/json" };
  for (const name of OPERATOR_HEADERS) {
    const value = get?.(name) ?? "";
    if (value !== "") headers[name] = value;
  }
  const bytes = body as Uint8Array<ArrayBuffer>;
  // A subject token is never "/" or "?", so the path stays /operator/<token>.
  const path = `/operator/${encodeURIComponent(action)}`;
  return new Request(`${NATS_ORIGIN}${path}`, { method: "POST", headers, body: bytes });
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
  } catch { /* not JSON: the text itself is the body, as an HTTP client would see it */ }
  const retryAfter = Number(response.headers.get("retry-after") ?? NaN);
  const reply = Number.isFinite(retryAfter)
    ? { status: response.status, body, retry_after_seconds: retryAfter }
    : { status: response.status, body };
  return new TextEncoder().encode(JSON.stringify(reply));
}

/**
 * The reply payload of a failure the handler did not produce itself (it threw): `status` with
 * the body `{"ok":false,"error":…}`, so the sender gets an answer instead of a timeout.
 */
export function errorReply(status: number, error: string): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ status, body: { ok: false, error } }));
}

/**
 * Decodes a reply payload into the {@linkcode PeerReply} that `core/outcome.ts` judges, as it
 * judges an HTTP answer; a payload of the wrong shape gives status 502.
 */
export function decodeReply(data: Uint8Array): PeerReply {
  try {
    const r = JSON.parse(new TextDecoder().decode(data));
    if (typeof r?.status === "number") {
      const body = r.body !== null && typeof r.body === "object" ? r.body : undefined;
      const retry = typeof r.retry_after_seconds === "number" ? r.retry_after_seconds : undefined;
      return {
        status: r.status,
        body,
        text: body === undefined ? String(r.body ?? "").slice(0, 300) : undefined,
        retryAfterMs: retry === undefined ? undefined : retry * 1000,
      };
    }
  } catch { /* not JSON: answered below as a reply of the wrong shape */ }
  return { status: 502, body: { error: "the reply was not a talkie-walkie answer" } };
}
