/**
 * Translation between NATS messages and the node's answers, pure: an incoming broker message
 * goes to the node's receive rules (`node/receive.ts`) as an `Inbound`, and its answer travels
 * back as JSON `{"status":…,"body":…}` with the status an HTTP peer would get.
 *
 * @module
 */

import type { PeerReply } from "../core/outcome.ts";
import { WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP } from "../core/signature.ts";
import type { Answer } from "../node/receive.ts";
import { OPERATOR_ID, OPERATOR_SIGNATURE, OPERATOR_TIMESTAMP } from "../core/operator_signature.ts";

/** The only headers read from a broker message: the signature's, never a secret header. */
export const SIGNED_HEADERS: readonly string[] = [WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE];

/** The only headers read from an operator request on the broker: the operator's signature. */
export const OPERATOR_HEADERS: readonly string[] = [
  OPERATOR_ID,
  OPERATOR_TIMESTAMP,
  OPERATOR_SIGNATURE,
];

/**
 * Encodes the node's answer as the reply payload `{"status":…,"body":…}`, with
 * `retry_after_seconds` when it gives a retry hint.
 */
export function encodeAnswer({ status, body, retryAfterSeconds }: Answer): Uint8Array {
  const reply = retryAfterSeconds === undefined
    ? { status, body }
    : { status, body, retry_after_seconds: retryAfterSeconds };
  return new TextEncoder().encode(JSON.stringify(reply));
}

/**
 * The reply payload of a failure the node did not answer itself (it threw): `status` with
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
