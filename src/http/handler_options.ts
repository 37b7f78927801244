/**
 * What the node's HTTP handler needs: the {@linkcode HandlerOptions} of `createHandler`, and
 * what a node tells authenticated probes about its session.
 *
 * @module
 */

import type { Envelope } from "../core/envelope.ts";
import type { DeliveredIds } from "../core/delivered.ts";
import type { RateLimiter } from "../core/rate_limit.ts";
import type { SeenIds } from "../core/replay.ts";
import type { SessionDelivery } from "../node/channel.ts";
import type { Hub } from "../node/hub.ts";
import type { Receipt } from "../node/receipts.ts";
import type { EventStreams } from "./sse.ts";
import type { AuthThrottle } from "./throttle.ts";
import type { HttpRequest } from "./request.ts";

/** What a node says about its session to authenticated probes (`/health` `session`). */
export interface SessionInfo {
  /** Messages in the inbox not read with `read_messages`. */
  unread: number;
  /** The session's status line (`set_status`), if any. */
  status?: string;
  /** `unlikely` when unread messages sit while the session keeps calling tools. */
  channel_events?: "unlikely";
}

/** What the handler needs from the node. */
export interface HandlerOptions {
  /** This node's role; a message addressed to another is refused with 421. */
  role: string;
  /** Peer names for `/health` and the SSE `hello`: a list, or a function for a broker's. */
  peers: readonly string[] | (() => readonly string[]);
  /** Version for `/health` and the SSE `hello`. */
  version: string;
  /** The mesh secret, for the `X-Intercom-Secret` header of v2 peers. */
  secret: string;
  /** Limit on one message's UTF-8 text, in bytes. */
  maxMessageBytes: number;
  /** Where accepted messages are published as `recv`. */
  hub: Hub;
  /** The `/events` streams. */
  streams: EventStreams;
  /** Recently seen `webhook-id`s of signed requests: a replay is not delivered again. */
  seen: SeenIds;
  /**
   * What was handed to the session, per sender: a retry is acknowledged as a duplicate, the same
   * id with other text is refused with 409.
   */
  delivered: DeliveredIds;
  /**
   * Hands a message to the session (see `SessionDelivery`); `hold` says whether to keep it
   * when the session has not initialized yet. Default: always `delivered` (no MCP side, as in
   * tests of the handler alone).
   */
  deliver?: (envelope: Envelope, hold: boolean) => Promise<SessionDelivery>;
  /** Takes a peer's read receipt; returns how many of its ids were taken. */
  onReceipt?: (receipt: Receipt) => number;
  /** What the session is doing, for `/health` of authenticated probes. */
  session?: () => SessionInfo;
  /** Roles online now (broker mode), for `/health` and the SSE `hello`; none when undefined. */
  online?: () => readonly string[] | undefined;
  /** HMAC key of Standard Webhooks signatures, from the secret ({@linkcode signatureKey}). */
  signingKey: Uint8Array;
  /** Refuse requests that carry only the secret header. */
  requireSignature?: boolean;
  /** Per-sender limit on `/message`; none when undefined. */
  limiter?: RateLimiter;
  /**
   * Per-source-address limit on `/message`, whatever `from` the messages claim (rotating names
   * must not bypass `limiter`); none when undefined or when the request has no address.
   */
  addressLimiter?: RateLimiter;
  /** Failed authentications per source address (secret guessing); none when undefined. */
  throttle?: AuthThrottle;
  /** Most signed bodies read at once before their signature is known (default 16). */
  maxUnverifiedBodies?: number;
  /** Most concurrent `/events` clients (default 64). */
  maxEventClients?: number;
  /** Time allowed for a request body, in milliseconds (default 10 000). */
  bodyTimeoutMs?: number;
  /** Clock, injected for tests. */
  now?: () => Date;
  /** More fields of the SSE `hello` (the pending permission prompts). */
  hello?: () => Record<string, unknown>;
  /**
   * `POST /operator/verdict` and `/operator/message` (`operator.ts`); 403 without it. `read`
   * reads the body as an unverified `/message` body is read (limits, bound on reads at once).
   */
  operator?: (
    request: HttpRequest,
    path: string,
    read: () => Promise<Uint8Array | Response>,
  ) => Promise<Response>;
  /** `POST /pin`, the owner's re-pin signed with this node's key (`repin_route.ts`); 403 without. */
  repin?: (request: HttpRequest, read: () => Promise<Uint8Array | Response>) => Promise<Response>;
}
