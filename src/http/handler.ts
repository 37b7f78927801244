/**
 * The node's HTTP interface as one fetch-style handler `(Request) => Promise<Response>`:
 * `GET /health`, `POST /message`, `GET /events`. Served by srvx on Deno and Node; tests call it
 * with `new Request(…)`.
 *
 * @module
 */

import { SECRET_HEADER, secretMatches } from "./auth.ts";
import { BodyTimeoutError, BodyTooLargeError, readLimited } from "./body.ts";
import type { Hub } from "../node/hub.ts";
import { type Envelope, MESSAGE_ID, parseEnvelope, ProtocolError } from "../core/envelope.ts";
import type { RateLimiter } from "../core/rate_limit.ts";
import type { SeenIds } from "../core/replay.ts";
import { verifySignature, WEBHOOK_SIGNATURE } from "../core/signature.ts";
import type { EventStreams } from "./sse.ts";
import { jsonResponse } from "./response.ts";

/** What the handler needs from the node. */
export interface HandlerOptions {
  role: string;
  /** Peer names, for `/health` and the SSE `hello`. */
  peers: string[];
  version: string;
  secret: string;
  /** Limit on one message's UTF-8 text, in bytes. */
  maxMessageBytes: number;
  hub: Hub;
  streams: EventStreams;
  /** Recently delivered message ids: a repeated id is acknowledged, not delivered again. */
  seen: SeenIds;
  /** HMAC key of Standard Webhooks signatures, from the secret ({@linkcode signatureKey}). */
  signingKey: Uint8Array;
  /** Refuse requests that carry only the secret header. */
  requireSignature?: boolean;
  /** Per-sender limit on `/message`; none when undefined. */
  limiter?: RateLimiter;
  /** Most concurrent `/events` clients (default 64). */
  maxEventClients?: number;
  /** Time allowed for a request body, in milliseconds (default 10 000). */
  bodyTimeoutMs?: number;
  /** Clock, injected for tests. */
  now?: () => Date;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };
/** Extra response headers (`HeadersInit` is not a global type under @types/node 20). */
type HeaderMap = Record<string, string>;

/** A JSON response (under Node a cheap {@linkcode jsonResponse}; see response.ts). */
export function json(status: number, body: unknown, headers: HeaderMap = {}): Response {
  return jsonResponse(status, JSON.stringify(body), { ...JSON_HEADERS, ...headers });
}

/** An error response `{"ok":false,"error":…}`. */
export function fail(status: number, error: string, headers: HeaderMap = {}): Response {
  return json(status, { ok: false, error }, headers);
}

const ROUTES: Record<string, string> = { "/health": "GET", "/message": "POST", "/events": "GET" };

/**
 * Creates the request handler.
 *
 * Authentication: a Standard Webhooks signature (standardwebhooks.com: `webhook-id`,
 * `webhook-timestamp`, `webhook-signature`, HMAC-SHA256 keyed by the secret) or, unless
 * `requireSignature`, the `X-Intercom-Secret` header compared in constant time.
 *
 * Errors are JSON `{"ok":false,"error":"…"}` with 400 (bad JSON or fields), 401 (secret or
 * signature), 404, 405, 408 (slow body), 413 (over the size limit), 415 (content type), 421
 * (addressed to another role), 429 (rate limit, with `Retry-After`) or 503 (too many
 * `/events` clients).
 */
export function createHandler(
  handlerOptions: HandlerOptions,
): (request: Request) => Promise<Response> {
  const options = { maxEventClients: 64, requireSignature: false, ...handlerOptions };
  const now = options.now ?? (() => new Date());
  // JSON escapes can make a body up to 6 times its text (\uXXXX); allow that plus the fields.
  const bodyLimit = options.maxMessageBytes * 6 + 8192;

  const signed = (request: Request) => request.headers.has(WEBHOOK_SIGNATURE);

  const health = (request: Request) =>
    json(200, {
      status: "ok",
      role: options.role,
      peers: options.peers,
      version: options.version,
      // Peers sign their requests to us (Standard Webhooks v1) instead of sending the secret.
      signatures: ["v1"],
      require_signature: options.requireSignature,
      // A signed probe learns whether its secret matches ours, so list_peers can warn before a
      // send is refused; the answer says nothing else about the secret.
      ...(signed(request)
        ? { authenticated: typeof checkSignature(request, new Uint8Array(0)) === "string" }
        : {}),
    });

  /** Checks the secret header; undefined when it passes, else the 401 answer. */
  function checkSecret(request: Request): Response | undefined {
    if (options.requireSignature) {
      return fail(
        401,
        "This node accepts only signed requests (Standard Webhooks webhook-id, " +
          "webhook-timestamp, webhook-signature): INTERCOM_REQUIRE_SIGNATURE is on",
      );
    }
    if (secretMatches(request.headers.get(SECRET_HEADER), options.secret)) return undefined;
    return fail(
      401,
      request.headers.has(SECRET_HEADER)
        ? `Wrong ${SECRET_HEADER}: use the same INTERCOM_SECRET on every node`
        : `Missing ${SECRET_HEADER} header (or a Standard Webhooks signature): send the ` +
          "mesh's INTERCOM_SECRET",
    );
  }

  /** Verifies a Standard Webhooks signature over `body`; the 401 answer when it fails. */
  function checkSignature(request: Request, body: Uint8Array): Response | string {
    const result = verifySignature(options.signingKey, { headers: request.headers, body }, {
      nowSeconds: now().getTime() / 1000,
    });
    return result.ok ? result.id : fail(401, `Signature rejected: ${result.reason}`);
  }

  async function readBody(request: Request): Promise<Uint8Array | Response> {
    try {
      return await readLimited(request.body, bodyLimit, options.bodyTimeoutMs);
    } catch (e) {
      if (e instanceof BodyTooLargeError) {
        return fail(
          413,
          `Body is over ${bodyLimit} bytes: the message limit is ${options.maxMessageBytes} bytes`,
        );
      }
      if (e instanceof BodyTimeoutError) return fail(408, "The request body arrived too slowly");
      return fail(400, "Could not read the request body");
    }
  }

  async function message(request: Request): Promise<Response> {
    if (!signed(request)) {
      const refused = checkSecret(request);
      if (refused) return refused;
    }
    const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
    const isJson = type === "application/json" || type === "";
    if (!isJson && type !== "text/plain") {
      return fail(
        415,
        `Content-Type "${type}" is not supported: use application/json or text/plain`,
      );
    }
    const bytes = await readBody(request);
    if (bytes instanceof Response) return bytes;
    let webhookId: string | undefined;
    if (signed(request)) {
      const checked = checkSignature(request, bytes);
      if (checked instanceof Response) return checked;
      webhookId = checked;
    }
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return fail(400, "Body is not valid UTF-8");
    }
    let body: unknown = text;
    if (isJson) {
      try {
        body = JSON.parse(text);
      } catch (e) {
        return fail(
          400,
          `Body is not valid JSON (${(e as Error).message}): send {"from":"…","message":"…"}`,
        );
      }
      // A JSON string or number is not a text/plain message: ask for the object.
      if (typeof body !== "object") {
        return fail(400, 'Body must be a JSON object like {"from":"…","message":"…"}');
      }
    }
    const headerFrom = request.headers.get("x-intercom-from")?.trim();
    let envelope: Envelope;
    try {
      envelope = parseEnvelope(body, {
        role: options.role,
        maxMessageBytes: options.maxMessageBytes,
        defaultFrom: headerFrom || "webhook",
        now: now(),
        defaultId: webhookId && MESSAGE_ID.test(webhookId) ? webhookId : undefined,
      });
    } catch (e) {
      if (e instanceof ProtocolError) return fail(e.status, e.message);
      throw e;
    }
    const nowMs = now().getTime();
    const allowed = options.limiter?.take(envelope.from, nowMs) ?? { ok: true };
    if (!allowed.ok) {
      return fail(
        429,
        `Too many messages from "${envelope.from}": try again in ${allowed.retryAfterSeconds} s`,
        { "retry-after": String(allowed.retryAfterSeconds) },
      );
    }
    // Retries and replays carry the same ids: acknowledge them without a second channel event.
    const freshId = options.seen.checkAndAdd(envelope.message_id, nowMs);
    const freshWebhook = webhookId === undefined ||
      options.seen.checkAndAdd(`webhook-id:${webhookId}`, nowMs);
    if (!freshId || !freshWebhook) {
      return json(200, { ok: true, message_id: envelope.message_id, duplicate: true });
    }
    options.hub.publish("recv", envelope);
    return json(200, { ok: true, message_id: envelope.message_id });
  }

  function events(request: Request): Response {
    const stream = options.streams.open({
      hello: { role: options.role, peers: options.peers, version: options.version },
      lastEventId: request.headers.get("last-event-id"),
    });
    return new Response(stream, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-accel-buffering": "no",
      },
    });
  }

  return async (request: Request): Promise<Response> => {
    if (!URL.canParse(request.url)) return fail(400, "Bad Host header or request target");
    const path = new URL(request.url).pathname;
    const method = ROUTES[path];
    if (method === undefined) {
      return fail(404, `No route ${path}: use GET /health, POST /message or GET /events`);
    }
    if (request.method !== method && !(path === "/health" && request.method === "HEAD")) {
      return fail(405, `${path} accepts ${method} only`, { allow: method });
    }
    if (path === "/health") return health(request);
    if (path === "/message") return await message(request);
    // A GET has no body: a signature covers the empty string.
    const refused = signed(request)
      ? checkSignature(request, new Uint8Array(0))
      : checkSecret(request);
    if (refused instanceof Response) return refused;
    if (options.streams.size >= options.maxEventClients) {
      return fail(503, `Too many /events clients (${options.maxEventClients}): try again later`, {
        "retry-after": "5",
      });
    }
    return events(request);
  };
}
