/**
 * The node's HTTP interface as one fetch-style handler `(HttpRequest) => Promise<Response>`:
 * `GET /health`, `POST /message`, `GET /events`, `POST /receipt` and the operator's routes.
 * Served by srvx on Deno and by `serve_node.ts` on Node; tests call it with `new Request(…)`.
 * It authenticates and reads a message, then hands it to the node's receive rules
 * (`node/receive.ts`), the same ones broker messages go through, and answers with their
 * verdict.
 *
 * @module
 */

import { BodyTimeoutError, BodyTooLargeError, readLimited } from "./body.ts";
import { jsonResponse } from "./response.ts";
import { CLOSE, createRequestAuth, isSigned, sourceOf } from "./request_auth.ts";
import type { SessionDelivery } from "../node/channel.ts";
import {
  type Answer,
  answerOf,
  receive,
  type ReceiveContext,
  receiveReceipt,
  type Verified,
} from "../node/receive.ts";
import { healthBody } from "../node/receiver.ts";
import { nodeClaimOf } from "../core/node_key.ts";
import { meshSealer } from "../core/seal.ts";
import { signatureKey } from "../core/signature.ts";
import type { HandlerOptions } from "./handler_options.ts";
import type { HttpRequest } from "./request.ts";

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
  // The owner's re-pin, signed with this node's own key (repin_route.ts).
  "/pin": "POST",
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
): (request: HttpRequest) => Promise<Response> {
  const options = {
    maxEventClients: 64,
    requireSignature: false,
    maxUnverifiedBodies: 16,
    deliver: () => Promise.resolve<SessionDelivery>("delivered"),
    ...handlerOptions,
  };
  const now = options.now ?? (() => new Date());
  const auth = createRequestAuth({ ...options, now });
  // JSON escapes can make a body up to 6 times its text (\uXXXX); allow that plus the fields.
  const bodyLimit = options.maxMessageBytes * 6 + 8192;

  // Every message goes through the node's receive rules (node/receive.ts), as broker ones do.
  const context: ReceiveContext = { ...options, now };
  const peers = () => typeof options.peers === "function" ? options.peers() : options.peers;
  const online = () => {
    const list = options.online?.();
    return list ? { online: list } : {};
  };
  const signed = isSigned;
  const sessionSealer = meshSealer(signatureKey(options.secret), "session");
  const respond = ({ status, body, retryAfterSeconds: wait }: Answer) =>
    json(status, body, wait === undefined ? {} : { "retry-after": String(wait) });

  const health = (request: HttpRequest) => {
    // A signed probe learns whether its secret matches ours, so list_peers can warn before a
    // send is refused; the answer says nothing else about the secret. auth_error says why not
    // (a skewed clock is not a wrong secret).
    const probe = signed(request) ? auth.probe(request) : undefined;
    return json(200, {
      ...healthBody({ ...options, peers, online: () => options.online?.() }),
      ...probe,
      // What the session is doing, only for members of the mesh, and readable by them only
      // (sealed with the mesh secret: a relay on the way sees no status line).
      ...(probe?.authenticated && options.session
        ? { session_sealed: sessionSealer.seal(options.session()).sealed }
        : {}),
    });
  };

  /** `POST /receipt`: a peer's session read messages this node delivered (signed only). */
  async function receipt(request: HttpRequest): Promise<Response> {
    if (!signed(request)) return fail(401, "A receipt must be signed (Standard Webhooks)");
    const refused = auth.throttled(request) ?? auth.beforeBody(request);
    if (refused) return refused;
    const bytes = await auth.unverified(request, () => readBody(request));
    if (bytes instanceof Response) return bytes;
    const checked = auth.checkBody(request, bytes);
    if (checked instanceof Response) return checked;
    const node = nodeClaimOf((name) => request.headers.get(name));
    return respond(
      receiveReceipt({ bytes, verified: { by: "signature", id: checked }, node }, context),
    );
  }

  async function readBody(request: HttpRequest): Promise<Uint8Array | Response> {
    const tooLarge = () =>
      fail(
        413,
        `Body is over ${bodyLimit} bytes: the message limit is ${options.maxMessageBytes} bytes`,
        CLOSE,
      );
    // A body declared too large is refused before any of it is waited for.
    if (Number(request.headers.get("content-length") ?? 0) > bodyLimit) return tooLarge();
    try {
      return await readLimited(request.body, bodyLimit, options.bodyTimeoutMs);
    } catch (e) {
      if (e instanceof BodyTooLargeError) return tooLarge();
      if (e instanceof BodyTimeoutError) {
        return fail(408, "The request body arrived too slowly", CLOSE);
      }
      return fail(400, "Could not read the request body");
    }
  }

  async function message(request: HttpRequest): Promise<Response> {
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
    let verified: Verified = { by: "secret" };
    if (signed(request)) {
      const checked = auth.checkBody(request, bytes);
      if (checked instanceof Response) return checked;
      verified = { by: "signature", id: checked };
    }
    const received = await receive({
      bytes,
      type: isJson ? "json" : "text",
      verified,
      from: request.headers.get("x-intercom-from")?.trim(),
      source: sourceOf(request),
      node: verified.by === "secret" ? undefined : nodeClaimOf((n) => request.headers.get(n)),
    }, context);
    return respond(answerOf(received));
  }

  function events(request: HttpRequest): Response {
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

  return async (request: HttpRequest): Promise<Response> => {
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
    if (path === "/pin") {
      const read = () => auth.unverified(request, () => readBody(request));
      return auth.throttled(request) ?? await options.repin?.(request, read) ??
        fail(403, "This node takes no pin requests", CLOSE);
    }
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
