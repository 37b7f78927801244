/**
 * Signed node-to-node requests per the Standard Webhooks specification
 * (https://www.standardwebhooks.com, "Signature scheme: symmetric"): three headers,
 * `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
 * (`v1,` + base64 HMAC-SHA256 over `${id}.${timestamp}.${body}`).
 *
 * The key comes from INTERCOM_SECRET: a `whsec_` secret is base64-decoded after the prefix, as
 * the specification says; any other string is used as its UTF-8 bytes. A peer using the
 * `standardwebhooks` library with a plain secret passes base64 of those UTF-8 bytes.
 *
 * Pure: the clock comes in as an argument, nothing is logged, and no result ever contains the
 * secret or the key.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createHmac, timingSafeEqual } from "node:crypto";
import { BASE64, signatureKey } from "./secret_key.ts";

export { signatureKey };

/** Header names of the Standard Webhooks scheme (lower case, as `Headers` gives them). */
export const WEBHOOK_ID = "webhook-id";
/** Header with the signing time in Unix seconds. */
export const WEBHOOK_TIMESTAMP = "webhook-timestamp";
/** Header with one or more space-separated `v1,<base64>` signatures. */
export const WEBHOOK_SIGNATURE = "webhook-signature";

/** The accepted distance between a request's timestamp and the receiver's clock: ±5 minutes. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const DIGITS = /^[0-9]{1,15}$/;
/** Printable ASCII without spaces or commas, at most 256 characters. */
const ID = /^[\x21-\x2b\x2d-\x7e]{1,256}$/;
const MAX_SIGNATURES = 16;
const HMAC_BYTES = 32;

/** What the signer needs: the id, the time in Unix seconds and the exact body sent. */
export interface SignInput {
  /** The `webhook-id`: unique per message (our `message_id`); printable ASCII, no space/comma. */
  id: string;
  /** Unix time in whole seconds. */
  timestamp: number;
  /** The exact request body, as text (UTF-8) or bytes. */
  body: string | Uint8Array;
}

/** The request parts a verifier reads. */
export interface SignedRequest {
  /** The request headers (`request.headers`). */
  headers: Headers;
  /** The exact body received, as text (UTF-8) or bytes. */
  body: string | Uint8Array;
}

/** The verifier's clock and tolerance. */
export interface VerifyOptions {
  /** The receiver's current Unix time in seconds (`Date.now() / 1000`; fractions are fine). */
  nowSeconds: number;
  /** The accepted clock distance in seconds; default {@linkcode DEFAULT_TOLERANCE_SECONDS}. */
  toleranceSeconds?: number;
}

/** The outcome of {@linkcode verifySignature}: the signed id and time, or why it failed. */
export type VerifyResult =
  | { ok: true; id: string; timestamp: number }
  | { ok: false; reason: string };

/**
 * What a request without a body signs in the place of the body: its method and path,
 * `"GET /events"` or `"GET /health"` (HEAD counts as GET). The signed string is then
 * `${id}.${timestamp}.GET /events`, so a signature opens one endpoint only: a `/health` probe's
 * signature cannot be replayed as `GET /events`. `POST /message` signs its body, exactly as the
 * Standard Webhooks specification says.
 *
 * @param method the HTTP method, any case.
 * @param path the URL path, without query.
 * @returns `"<METHOD> <path>"`, e.g. `"GET /events"`.
 *
 * @example
 * ```ts
 * const headers = signHeaders(signatureKey("a-long-random-secret-shared-by-all"), {
 *   id: `viewer_${crypto.randomUUID()}`,
 *   timestamp: Math.floor(Date.now() / 1000),
 *   body: requestLine("GET", "/events"),
 * });
 * ```
 */
export function requestLine(method: string, path: string): string {
  const m = method.toUpperCase();
  return `${m === "HEAD" ? "GET" : m} ${path}`;
}

const hmac = (key: Uint8Array, id: string, timestamp: string, body: string | Uint8Array) =>
  createHmac("sha256", key).update(`${id}.${timestamp}.`, "utf8").update(body).digest();

/**
 * Signs one request.
 *
 * @param key from {@linkcode signatureKey}.
 * @returns the headers to add: `{"webhook-id", "webhook-timestamp", "webhook-signature"}`, the
 *   last being `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
 * @throws {TypeError} when `id` is empty, longer than 256 characters or has a space, comma or
 *   non-printable-ASCII character.
 * @throws {RangeError} when `timestamp` is not a non-negative integer.
 *
 * @example
 * ```ts
 * const key = signatureKey("a-long-random-secret-shared-by-all");
 * const body = JSON.stringify({ message_id: "msg_1", from: "backend", message: "hi" });
 * const headers = signHeaders(key, {
 *   id: "msg_1",
 *   timestamp: Math.floor(Date.now() / 1000),
 *   body,
 * });
 * const request = new Request("http://127.0.0.1:8788/message", {
 *   method: "POST",
 *   headers: { ...headers, "content-type": "application/json" },
 *   body,
 * });
 * ```
 */
export function signHeaders(key: Uint8Array, input: SignInput): Record<string, string> {
  if (!ID.test(input.id)) {
    throw new TypeError(
      "Cannot sign: the id must be 1-256 printable ASCII characters without spaces or commas",
    );
  }
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0) {
    throw new RangeError("Cannot sign: the timestamp must be whole Unix seconds");
  }
  const timestamp = String(input.timestamp);
  return {
    [WEBHOOK_ID]: input.id,
    [WEBHOOK_TIMESTAMP]: timestamp,
    [WEBHOOK_SIGNATURE]: `v1,${hmac(key, input.id, timestamp, input.body).toString("base64")}`,
  };
}

/**
 * The checks of {@linkcode verifySignature} that need no body: the three headers are present
 * and well formed and the timestamp is within `±toleranceSeconds` of `nowSeconds`. A receiver
 * runs this before it reads a body, so a request that cannot be valid costs no body read.
 * Never throws; the reason never contains the secret or the presented signatures.
 *
 * @returns `{ok: true, id, timestamp}` or `{ok: false, reason}`.
 *
 * @example
 * ```ts
 * const early = checkSignatureHeaders(new Headers(), { nowSeconds: Date.now() / 1000 });
 * // { ok: false, reason: "missing webhook-id header" }
 * ```
 */
export function checkSignatureHeaders(headers: Headers, options: VerifyOptions): VerifyResult {
  const fail = (reason: string): VerifyResult => ({ ok: false, reason });
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;

  const id = headers.get(WEBHOOK_ID);
  const timestampText = headers.get(WEBHOOK_TIMESTAMP);
  const signatures = headers.get(WEBHOOK_SIGNATURE);
  if (id === null || id === "") return fail(`missing ${WEBHOOK_ID} header`);
  if (timestampText === null || timestampText === "") {
    return fail(`missing ${WEBHOOK_TIMESTAMP} header`);
  }
  if (signatures === null || signatures.trim() === "") {
    return fail(`missing ${WEBHOOK_SIGNATURE} header`);
  }
  if (!ID.test(id)) {
    return fail(
      `${WEBHOOK_ID} must be 1-256 printable ASCII characters without spaces or commas`,
    );
  }
  if (!DIGITS.test(timestampText)) {
    return fail(`${WEBHOOK_TIMESTAMP} must be whole Unix seconds (digits only)`);
  }

  const timestamp = Number(timestampText);
  const distance = Math.round(Math.abs(options.nowSeconds - timestamp));
  if (!(Math.abs(options.nowSeconds - timestamp) <= tolerance)) {
    return fail(
      `timestamp is ${distance} s away from this node's clock; ` +
        `the limit is ±${tolerance} s: check the clocks`,
    );
  }
  return { ok: true, id, timestamp };
}

/**
 * Verifies a signed request: the three headers are present and well formed, the timestamp is
 * within `±toleranceSeconds` of `nowSeconds`, and at least one `v1` signature in the
 * space-separated list matches (compared in constant time; other versions such as `v1a` are
 * skipped). Never throws; the reason says what to fix and never contains the secret, the key or
 * the presented signatures.
 *
 * Replay protection is the caller's: refuse an `id` already seen within the window (see
 * `SeenIds` in `replay.ts`), after this check passes.
 *
 * @param key from {@linkcode signatureKey}.
 * @returns `{ok: true, id, timestamp}` (timestamp in Unix seconds) or `{ok: false, reason}`.
 *
 * @example
 * ```ts
 * const key = signatureKey("a-long-random-secret-shared-by-all");
 * const request = new Request("http://127.0.0.1:8788/message", { method: "POST", body: "{}" });
 * const body = await request.text();
 * const result = verifySignature(key, { headers: request.headers, body }, {
 *   nowSeconds: Date.now() / 1000,
 * });
 * const answer = result.ok
 *   ? new Response("ok")
 *   : Response.json({ ok: false, error: result.reason }, { status: 401 });
 * ```
 */
export function verifySignature(
  key: Uint8Array,
  request: SignedRequest,
  options: VerifyOptions,
): VerifyResult {
  const checked = checkSignatureHeaders(request.headers, options);
  if (!checked.ok) return checked;
  const fail = (reason: string): VerifyResult => ({ ok: false, reason });
  const { id, timestamp } = checked;
  // The header text, not the number: leading zeros are part of what was signed.
  const timestampText = request.headers.get(WEBHOOK_TIMESTAMP)!;
  const signatures = request.headers.get(WEBHOOK_SIGNATURE)!;
  const body = request.body;

  const entries = signatures.trim().split(/ +/);
  if (entries.length > MAX_SIGNATURES) {
    return fail(`${WEBHOOK_SIGNATURE} has more than ${MAX_SIGNATURES} signatures`);
  }
  const candidates: Buffer[] = [];
  let v1Count = 0;
  for (const entry of entries) {
    const comma = entry.indexOf(",");
    if (comma === -1 || entry.slice(0, comma) !== "v1") continue;
    v1Count++;
    const encoded = entry.slice(comma + 1);
    if (!BASE64.test(encoded)) continue;
    const bytes = Buffer.from(encoded, "base64");
    if (bytes.length === HMAC_BYTES) candidates.push(bytes);
  }
  if (v1Count === 0) {
    return fail(`${WEBHOOK_SIGNATURE} has no "v1,<base64>" signature`);
  }
  if (candidates.length === 0) {
    return fail(`${WEBHOOK_SIGNATURE} is not "v1," followed by a base64 HMAC-SHA256 (32 bytes)`);
  }

  const expected = hmac(key, id, timestampText, body);
  let matched = false;
  for (const candidate of candidates) {
    // No early exit: the time taken does not depend on which signature matched.
    if (timingSafeEqual(candidate, expected)) matched = true;
  }
  if (!matched) return fail("signature does not match: is INTERCOM_SECRET the same on both nodes?");
  return { ok: true, id, timestamp };
}
