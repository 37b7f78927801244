/**
 * Who may use the HTTP interface: the `X-Intercom-Secret` header of v2 peers, or a Standard
 * Webhooks signature bound to one endpoint (`POST /message` signs its body, `GET /events` and
 * `GET /health` sign their request line, see `requestLine`), each `webhook-id` used once, failed
 * attempts throttled per source address, and few bodies read before their signature is known.
 *
 * @module
 */

import { SECRET_HEADER, secretMatches } from "./auth.ts";
import type { SeenIds } from "../core/replay.ts";
import {
  checkSignatureHeaders,
  requestLine,
  type VerifyResult,
  verifySignature,
  WEBHOOK_SIGNATURE,
} from "../core/signature.ts";
import type { AuthThrottle } from "./throttle.ts";
import type { HttpRequest } from "./request.ts";
import { MISSING_AUTH } from "../node/receiver.ts";

/** What {@linkcode createRequestAuth} needs. */
export interface RequestAuthOptions {
  /** The mesh secret, for the `X-Intercom-Secret` header. */
  secret: string;
  /** HMAC key of Standard Webhooks signatures, from the secret. */
  signingKey: Uint8Array;
  /** Refuse requests that carry only the secret header. */
  requireSignature: boolean;
  /** Ids already used: a signed request's `webhook-id` is remembered as `webhook-id:<id>`. */
  seen: SeenIds;
  /** Failed authentications per source address; none when undefined. */
  throttle?: AuthThrottle;
  /** Most signed bodies read at once before their signature is known. */
  maxUnverifiedBodies: number;
  /** Most of those from one source address (default a quarter of `maxUnverifiedBodies`). */
  maxUnverifiedPerSource?: number;
  /** Clock. */
  now: () => Date;
}

/** Refusals before authentication end the connection, so they cannot hold it open. */
export const CLOSE: Record<string, string> = { connection: "close" };

const refuse = (status: number, error: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ ok: false, error }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...CLOSE, ...headers },
  });

/** The client's address as srvx gives it (`request.ip`); undefined for in-process requests. */
export const sourceOf = (request: HttpRequest): string | undefined => request.ip || undefined;

/** Whether the request carries a Standard Webhooks signature. */
export const isSigned = (request: HttpRequest): boolean => request.headers.has(WEBHOOK_SIGNATURE);

/** The checks, each returning the refusal (a `Response`) or what it established. */
export interface RequestAuth {
  /** 429 for a source that failed to authenticate too often; undefined to go on. */
  throttled(request: HttpRequest): Response | undefined;
  /**
   * The checks of `POST /message` that need no body: the secret header, or a signature's
   * headers and timestamp. Undefined when the body may be read.
   */
  beforeBody(request: HttpRequest): Response | undefined;
  /** Verifies a `POST /message` signature over its body: the `webhook-id`, or the 401. */
  checkBody(request: HttpRequest, body: Uint8Array): Response | string;
  /** Authenticates a `GET /events`: a fresh signature over "GET /events", or the secret. */
  checkEvents(request: HttpRequest): Response | undefined;
  /** For a signed `/health`: whether its signature verifies, and why not. */
  probe(request: HttpRequest): { authenticated: boolean; auth_error?: string };
  /**
   * Runs `read` (a body read before its signature is known) if a slot is free, overall and for
   * the request's source address, else 503 with `Retry-After`.
   */
  unverified<T>(request: HttpRequest, read: () => Promise<T>): Promise<T | Response>;
}

/** Creates the checks of one handler. */
export function createRequestAuth(o: RequestAuthOptions): RequestAuth {
  let reading = 0;
  const readingFrom = new Map<string, number>();
  const perSource = o.maxUnverifiedPerSource ?? Math.max(1, Math.floor(o.maxUnverifiedBodies / 4));
  const nowSeconds = () => o.now().getTime() / 1000;
  const verify = (request: HttpRequest, body: Uint8Array | string): VerifyResult =>
    verifySignature(o.signingKey, { headers: request.headers, body }, {
      nowSeconds: nowSeconds(),
    });
  const fresh = (id: string) => o.seen.checkAndAdd(`webhook-id:${id}`, o.now().getTime());
  const replayed = (id: string) =>
    `webhook-id "${id.slice(0, 64)}" was already used: sign every request with a new id`;

  const failed = (request: HttpRequest, reason: string) => {
    const source = sourceOf(request);
    if (source) o.throttle?.failed(source, reason, o.now().getTime());
  };
  const unauthorized = (request: HttpRequest, error: string) => {
    failed(request, error);
    return refuse(401, error);
  };

  const checkSecret = (request: HttpRequest): Response | undefined => {
    if (o.requireSignature) {
      return unauthorized(
        request,
        "This node accepts only signed requests (Standard Webhooks webhook-id, " +
          "webhook-timestamp, webhook-signature): INTERCOM_REQUIRE_SIGNATURE is on",
      );
    }
    if (secretMatches(request.headers.get(SECRET_HEADER), o.secret)) return undefined;
    return unauthorized(
      request,
      request.headers.has(SECRET_HEADER)
        ? `Wrong ${SECRET_HEADER}: use the same INTERCOM_SECRET on every node`
        : MISSING_AUTH,
    );
  };

  const checkSignature = (request: HttpRequest, body: Uint8Array | string): Response | string => {
    const result = verify(request, body);
    return result.ok ? result.id : unauthorized(request, `Signature rejected: ${result.reason}`);
  };

  return {
    throttled(request) {
      const source = sourceOf(request);
      const wait = source ? o.throttle?.blocked(source, o.now().getTime()) : undefined;
      if (wait === undefined) return undefined;
      return refuse(429, `Too many failed authentications from ${source}: try again in ${wait} s`, {
        "retry-after": String(wait),
      });
    },
    beforeBody(request) {
      if (!isSigned(request)) return checkSecret(request);
      const early = checkSignatureHeaders(request.headers, { nowSeconds: nowSeconds() });
      return early.ok ? undefined : unauthorized(request, `Signature rejected: ${early.reason}`);
    },
    checkBody: checkSignature,
    checkEvents(request) {
      if (!isSigned(request)) return checkSecret(request);
      const checked = checkSignature(request, requestLine("GET", "/events"));
      if (checked instanceof Response) return checked;
      if (!fresh(checked)) return unauthorized(request, `Signature rejected: ${replayed(checked)}`);
      return undefined;
    },
    probe(request) {
      let result = verify(request, requestLine("GET", "/health"));
      // 2.1 probes signed the empty body: accepted here and only here, where it opens nothing.
      if (!result.ok) {
        const legacy = verify(request, "");
        if (legacy.ok) result = legacy;
      }
      if (result.ok && !fresh(result.id)) result = { ok: false, reason: replayed(result.id) };
      if (result.ok) return { authenticated: true };
      failed(request, result.reason);
      return { authenticated: false, auth_error: result.reason };
    },
    async unverified(request, read) {
      const source = sourceOf(request) ?? "";
      const mine = readingFrom.get(source) ?? 0;
      if (reading >= o.maxUnverifiedBodies || (source && mine >= perSource)) {
        return refuse(
          503,
          `Too many signed bodies are being read (${o.maxUnverifiedBodies}): try again in 1 s`,
          { "retry-after": "1" },
        );
      }
      reading++;
      readingFrom.set(source, mine + 1);
      try {
        return await read();
      } finally {
        reading--;
        const left = readingFrom.get(source)! - 1;
        if (left > 0) readingFrom.set(source, left);
        else readingFrom.delete(source);
      }
    },
  };
}
