/**
 * The node's HTTP interface as one fetch-style handler `(Request) => Promise<Response>`:
 * `GET /health`, `POST /message`, `GET /events`. Served by srvx on Deno and Node; tests call it
 * with `new Request(…)`.
 *
 * @module
 */

import { SECRET_HEADER, secretMatches } from "./auth.ts";
import { BodyTooLargeError, readLimited } from "./body.ts";
import type { Hub } from "./hub.ts";
import { type Envelope, parseEnvelope, ProtocolError } from "./protocol.ts";
import type { SeenIds } from "./replay.ts";
import type { EventStreams } from "./sse.ts";

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
  /** Clock, injected for tests. */
  now?: () => Date;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };
/** Extra response headers (`HeadersInit` is not a global type under @types/node 20). */
type HeaderMap = Record<string, string>;

/** A JSON response. */
export function json(status: number, body: unknown, headers: HeaderMap = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...JSON_HEADERS, ...headers },
  });
}

/** An error response `{"ok":false,"error":…}`. */
export function fail(status: number, error: string, headers: HeaderMap = {}): Response {
  return json(status, { ok: false, error }, headers);
}

const ROUTES: Record<string, string> = { "/health": "GET", "/message": "POST", "/events": "GET" };

/**
 * Creates the request handler.
 *
 * Errors are JSON `{"ok":false,"error":"…"}` with 400 (bad JSON or fields), 401 (secret),
 * 404, 405, 413 (over the size limit), 415 (content type) or 421 (addressed to another role).
 */
export function createHandler(options: HandlerOptions): (request: Request) => Promise<Response> {
  const now = options.now ?? (() => new Date());
  // JSON escapes can make a body up to 6 times its text (\uXXXX); allow that plus the fields.
  const bodyLimit = options.maxMessageBytes * 6 + 8192;

  const health = () =>
    json(200, {
      status: "ok",
      role: options.role,
      peers: options.peers,
      version: options.version,
    });

  const authorised = (request: Request) =>
    secretMatches(request.headers.get(SECRET_HEADER), options.secret);

  async function message(request: Request): Promise<Response> {
    const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
    const isJson = type === "application/json" || type === "";
    if (!isJson && type !== "text/plain") {
      return fail(
        415,
        `Content-Type "${type}" is not supported: use application/json or text/plain`,
      );
    }
    let bytes: Uint8Array;
    try {
      bytes = await readLimited(request.body, bodyLimit);
    } catch (e) {
      if (e instanceof BodyTooLargeError) {
        return fail(
          413,
          `Body is over ${bodyLimit} bytes: the message limit is ${options.maxMessageBytes} bytes`,
        );
      }
      return fail(400, "Could not read the request body");
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
    }
    const headerFrom = request.headers.get("x-intercom-from")?.trim();
    let envelope: Envelope;
    try {
      envelope = parseEnvelope(body, {
        role: options.role,
        maxMessageBytes: options.maxMessageBytes,
        defaultFrom: headerFrom || "webhook",
        now: now(),
      });
    } catch (e) {
      if (e instanceof ProtocolError) return fail(e.status, e.message);
      throw e;
    }
    // Retries and replays carry the same id: acknowledge them without a second channel event.
    if (!options.seen.checkAndAdd(envelope.message_id, now().getTime())) {
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
    const path = new URL(request.url).pathname;
    const method = ROUTES[path];
    if (method === undefined) {
      return fail(404, `No route ${path}: use GET /health, POST /message or GET /events`);
    }
    if (request.method !== method && !(path === "/health" && request.method === "HEAD")) {
      return fail(405, `${path} accepts ${method} only`, { allow: method });
    }
    if (path === "/health") return health();
    if (!authorised(request)) {
      return fail(
        401,
        request.headers.has(SECRET_HEADER)
          ? `Wrong ${SECRET_HEADER}: use the same INTERCOM_SECRET on every node`
          : `Missing ${SECRET_HEADER} header: send the mesh's INTERCOM_SECRET`,
      );
    }
    return path === "/message" ? await message(request) : events(request);
  };
}
