/**
 * The node's HTTP interface as one fetch-style handler `(Request) => Promise<Response>`:
 * `GET /health`, `POST /message`, `GET /events`, `POST /receipt`. Served by srvx on Deno and Node; tests call it
 * with `new Request(…)`.
 *
 * @module
 */

import { BodyTimeoutError, BodyTooLargeError, readLimited } from "./body.ts";
import { type Envelope, parseEnvelope, ProtocolError } from "../core/envelope.ts";
import { MESSAGE_ID } from "../core/names.ts";
import { jsonResponse } from "./response.ts";
import { CLOSE, createRequestAuth, isSigned, sourceOf } from "./request_auth.ts";
import { DeliveredIds, textDigest } from "../core/delivered.ts";
import type { SessionDelivery } from "../node/channel.ts";
import { parseReceipt, type Receipt } from "../node/receipts.ts";
import type { HandlerOptions } from "./handler_options.ts";

export type { HandlerOptions, SessionInfo } from "./handler_options.ts";

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

const ROUTES: Record<string, string> = {
  "/health": "GET",
  "/message": "POST",
  "/events": "GET",
  "/receipt": "POST",
  // The human operator's requests, signed with the operator key (operator.ts).
  "/operator/verdict": "POST",
  "/operator/message": "POST",
};

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
  const options = {
    maxEventClients: 64,
    requireSignature: false,
    maxUnverifiedBodies: 16,
    delivered: new DeliveredIds({ ttlMs: 900_000, maxSize: 20_000 }),
    deliver: () => Promise.resolve<SessionDelivery>("delivered"),
    ...handlerOptions,
  };
  const now = options.now ?? (() => new Date());
  const auth = createRequestAuth({ ...options, now });
  // JSON escapes can make a body up to 6 times its text (\uXXXX); allow that plus the fields.
  const bodyLimit = options.maxMessageBytes * 6 + 8192;

  const peers = () => typeof options.peers === "function" ? options.peers() : options.peers;
  const online = () => {
    const list = options.online?.();
    return list ? { online: list } : {};
  };
  const signed = isSigned;

  const health = (request: Request) => {
    // A signed probe learns whether its secret matches ours, so list_peers can warn before a
    // send is refused; the answer says nothing else about the secret. auth_error says why not
    // (a skewed clock is not a wrong secret).
    const probe = signed(request) ? auth.probe(request) : undefined;
    return json(200, {
      status: "ok",
      role: options.role,
      peers: peers(),
      ...online(),
      version: options.version,
      // Peers sign their requests to us (Standard Webhooks v1) instead of sending the secret.
      signatures: ["v1"],
      require_signature: options.requireSignature,
      receipts: true,
      ...probe,
      // What the session is doing, only for members of the mesh.
      ...(probe?.authenticated && options.session ? { session: options.session() } : {}),
    });
  };

  /** `POST /receipt`: a peer's session read messages this node delivered (signed only). */
  async function receipt(request: Request): Promise<Response> {
    if (!signed(request)) return fail(401, "A receipt must be signed (Standard Webhooks)");
    const refused = auth.throttled(request) ?? auth.beforeBody(request);
    if (refused) return refused;
    const bytes = await auth.unverified(request, () => readBody(request));
    if (bytes instanceof Response) return bytes;
    const checked = auth.checkBody(request, bytes);
    if (checked instanceof Response) return checked;
    if (!options.seen.checkAndAdd(`webhook-id:${checked}`, now().getTime())) {
      return json(200, { ok: true, accepted: 0, duplicate: true });
    }
    let parsed: Receipt;
    try {
      parsed = parseReceipt(JSON.parse(new TextDecoder().decode(bytes)));
    } catch (e) {
      return fail(400, e instanceof TypeError ? e.message : "Body is not valid JSON");
    }
    return json(200, { ok: true, accepted: options.onReceipt?.(parsed) ?? 0 });
  }

  async function readBody(request: Request): Promise<Uint8Array | Response> {
    try {
      return await readLimited(request.body, bodyLimit, options.bodyTimeoutMs);
    } catch (e) {
      if (e instanceof BodyTooLargeError) {
        return fail(
          413,
          `Body is over ${bodyLimit} bytes: the message limit is ${options.maxMessageBytes} bytes`,
          CLOSE,
        );
      }
      if (e instanceof BodyTimeoutError) {
        return fail(408, "The request body arrived too slowly", CLOSE);
      }
      return fail(400, "Could not read the request body");
    }
  }

  async function message(request: Request): Promise<Response> {
    // The secret, or a signature's headers and timestamp, before any body is read.
    const refused = auth.throttled(request) ?? auth.beforeBody(request);
    if (refused) return refused;
    const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
    const isJson = type === "application/json" || type === "";
    if (!isJson && type !== "text/plain") {
      return fail(
        415,
        `Content-Type "${type}" is not supported: use application/json or text/plain`,
      );
    }
    const bytes = signed(request)
      ? await auth.unverified(request, () => readBody(request))
      : await readBody(request);
    if (bytes instanceof Response) return bytes;
    let webhookId: string | undefined;
    if (signed(request)) {
      const checked = auth.checkBody(request, bytes);
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
    const source = sourceOf(request);
    const byAddress = source ? options.addressLimiter?.take(source, nowMs) : undefined;
    if (byAddress && !byAddress.ok) {
      return fail(
        429,
        `Too many messages from ${source}: try again in ${byAddress.retryAfterSeconds} s`,
        { "retry-after": String(byAddress.retryAfterSeconds) },
      );
    }
    const allowed = options.limiter?.take(envelope.from, nowMs) ?? { ok: true };
    if (!allowed.ok) {
      return fail(
        429,
        `Too many messages from "${envelope.from}": try again in ${allowed.retryAfterSeconds} s`,
        { "retry-after": String(allowed.retryAfterSeconds) },
      );
    }
    // Retries and replays carry the same ids: acknowledge them without a second channel event.
    const { from, message_id: id } = envelope;
    const digest = textDigest(envelope.message);
    const known = options.delivered.check(from, id, digest, nowMs);
    if (known === "conflict") {
      return fail(
        409,
        `message_id "${id}" from "${from}" was already delivered with another text: ` +
          "give a new message a new message_id",
      );
    }
    const freshWebhook = webhookId === undefined ||
      options.seen.checkAndAdd(`webhook-id:${webhookId}`, nowMs);
    if (known === "duplicate" || !freshWebhook) {
      return json(200, { ok: true, message_id: id, duplicate: true });
    }
    // Remembered before the hand-over, so a concurrent retry is a duplicate, not a second event.
    const entry = options.delivered.add(from, id, digest, nowMs);
    // A signed request comes from a sender that retries (a node's outbox, a Standard Webhooks
    // sender): it keeps the message, so "not yet" is the honest answer. Others are held here.
    const handed = await options.deliver(envelope, webhookId === undefined);
    if (handed !== "delivered" && handed !== "held") {
      // Not taken: the sender's retry of this very request must be taken, not called a replay.
      options.delivered.forget(from, id);
      if (webhookId !== undefined) options.seen.forget(`webhook-id:${webhookId}`);
      const why = {
        not_ready: `"${options.role}"'s Claude session has not connected yet: try again shortly`,
        full: `"${options.role}"'s Claude session has not connected yet and holds too many ` +
          "messages already: try again later",
        gone: `"${options.role}" has no Claude session any more: it is shutting down`,
      }[handed];
      return fail(503, why, { "retry-after": handed === "not_ready" ? "2" : "30" });
    }
    options.onDelivered?.(entry);
    options.hub.publish("recv", envelope);
    // A session that has not initialized yet gets it when it does: say so, do not claim it.
    return handed === "held"
      ? json(202, { ok: true, message_id: id, held: true })
      : json(200, { ok: true, message_id: id });
  }

  function events(request: Request): Response {
    const status = options.session?.().status;
    const stream = options.streams.open({
      hello: {
        role: options.role,
        peers: peers(),
        ...online(),
        version: options.version,
        // A watcher that starts now still sees what the session said it is doing.
        ...(status ? { status } : {}),
        ...options.hello?.(),
      },
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
      return fail(
        404,
        `No route ${path}: use GET /health, POST /message, GET /events or POST /receipt`,
      );
    }
    if (request.method !== method && !(path === "/health" && request.method === "HEAD")) {
      return fail(405, `${path} accepts ${method} only`, { allow: method });
    }
    if (path === "/health") return (signed(request) && auth.throttled(request)) || health(request);
    if (path === "/message") return await message(request);
    if (path === "/receipt") return await receipt(request);
    if (path.startsWith("/operator/")) {
      // Its body is read as an unverified /message body: the same limits, the same slots.
      const read = () => auth.unverified(request, () => readBody(request));
      return auth.throttled(request) ?? await options.operator?.(request, path, read) ??
        fail(403, "This node takes no operator requests", CLOSE);
    }
    const refused = auth.throttled(request) ?? auth.checkEvents(request);
    if (refused) return refused;
    if (options.streams.size >= options.maxEventClients) {
      return fail(503, `Too many /events clients (${options.maxEventClients}): try again later`, {
        "retry-after": "5",
      });
    }
    return events(request);
  };
}
