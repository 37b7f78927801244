/**
 * What a peer's answer means, for every transport: an HTTP response and a NATS reply are both
 * reduced to a {@linkcode PeerReply}, and this module alone turns that into a delivery or probe
 * outcome. So "delivered" means the same thing over every wire: a talkie-walkie node
 * acknowledged this very message.
 *
 * @module
 */

import { ROLE_NAME } from "./names.ts";
import { shownLine } from "./shown_text.ts";

/**
 * Why a delivery did not succeed (yet). `stored`: a broker keeps the message for a receiver that
 * is offline and a delivery report comes when it is delivered; `held`: the receiving node keeps
 * it until its Claude session connects. Neither is retried.
 */
export type FailureKind =
  | "unreachable"
  | "timeout"
  | "unauthorized"
  | "refused"
  | "stored"
  | "held";

/**
 * Outcome of one delivery attempt. A failure is `retryable` when trying again later can help:
 * unreachable, timeout, 5xx and 429 (then `retryAfterMs` comes from `Retry-After`).
 */
export type DeliveryOutcome =
  | {
    ok: true;
    status: number;
    latencyMs: number;
    /** How it was delivered when the user should know (the secret sent to a v2 peer). */
    reason?: string;
  }
  | {
    ok: false;
    kind: FailureKind;
    status?: number;
    reason: string;
    retryable: boolean;
    retryAfterMs?: number;
  };

/** Outcome of a `/health` probe. */
export type ProbeOutcome =
  | {
    state: "online";
    /** The role the peer answered with. */
    role?: string;
    latencyMs: number;
    version?: string;
    signatures: boolean;
    /** False when the peer says our signature does not verify (another secret). */
    authenticated?: boolean;
    /** The peer's reason when `authenticated` is false (a skewed clock, another secret). */
    authError?: string;
    /** What the peer's session is doing, told to authenticated probes only. */
    session?: PeerSession;
    /** The peer's key card as it claims it (`/health` `node_key`), unchecked. */
    nodeKey?: unknown;
  }
  | { state: "wrong_role"; latencyMs: number; role: string; signatures: boolean }
  | { state: "offline"; reason: string };

/** What a peer's node says about its session (`/health` `session`, for members only). */
export interface PeerSession {
  /** Messages its session has not read with `read_messages`. */
  unread?: number;
  /** Its status line (`set_status`), untrusted text. */
  status?: string;
  /** True when its unread messages sit while it keeps working: no channel events, likely. */
  channelEventsUnlikely?: boolean;
}

/** A peer's answer, whatever carried it. */
export interface PeerReply {
  /** HTTP status code (a NATS reply carries the one the peer's handler gave). */
  status: number;
  /** The decoded JSON body; `undefined` when the body was not JSON. */
  body?: unknown;
  /** The start of the body as text, for messages when it was not JSON. */
  text?: string;
  /** `Retry-After`, in milliseconds. */
  retryAfterMs?: number;
  /** `Location` of a redirect. */
  location?: string;
}

const field = (body: unknown, key: string): unknown =>
  body !== null && typeof body === "object" ? (body as Record<string, unknown>)[key] : undefined;

/** The peer's own error text, or a short description of what it answered. */
function errorText(reply: PeerReply): string {
  const error = field(reply.body, "error");
  // Whatever answered wrote it: one line, bounded, before a session or a person sees it.
  if (typeof error === "string" && error.trim() !== "") return shownLine(error, 300);
  const text = shownLine(reply.text ?? "", 120);
  return text ? `HTTP ${reply.status}: ${text}` : `HTTP ${reply.status}`;
}

/**
 * The outcome of a delivery whose answer was `reply`. Delivered only when a talkie-walkie node
 * acknowledged message `messageId`: a 2xx JSON body `{"ok":true,"message_id":<that id>}`, or
 * `{"ok":true}` without an id (v2 nodes). Any other 2xx (a web page, a login form, `{"ok":false}`)
 * and every redirect are refusals that name what answered; 401 is `unauthorized`; 429 and 5xx
 * are retryable.
 *
 * @example
 * ```ts
 * deliveryOutcome({ status: 200, body: { ok: true, message_id: "m1" } }, "m1", 3);
 * // { ok: true, status: 200, latencyMs: 3 }
 * ```
 */
export function deliveryOutcome(
  reply: PeerReply,
  messageId: string,
  latencyMs: number,
): DeliveryOutcome {
  const { status } = reply;
  if (status >= 200 && status < 300) {
    const id = field(reply.body, "message_id");
    if (field(reply.body, "ok") === true && (id === undefined || id === messageId)) {
      if (field(reply.body, "held") === true) {
        return {
          ok: false,
          kind: "held",
          status,
          reason: "its Claude session has not connected yet; the node holds the message and " +
            "hands it over when the session starts",
          retryable: false,
        };
      }
      return { ok: true, status, latencyMs };
    }
    const what = id !== undefined && field(reply.body, "ok") === true
      ? `acknowledged another message ("${String(id).slice(0, 64)}")`
      : `answered HTTP ${status} but not as a talkie-walkie node`;
    return {
      ok: false,
      kind: "refused",
      status,
      reason: `${what}: check that PEERS names the node itself`,
      retryable: false,
    };
  }
  if (status >= 300 && status < 400) {
    const to = reply.location ? ` to ${reply.location.slice(0, 200)}` : "";
    return {
      ok: false,
      kind: "refused",
      status,
      reason: `the address redirects${to} (HTTP ${status}); redirects are not followed: ` +
        "put the node's own address in PEERS",
      retryable: false,
    };
  }
  return {
    ok: false,
    kind: status === 401 ? "unauthorized" : "refused",
    status,
    reason: errorText(reply),
    retryable: status >= 500 || status === 429,
    retryAfterMs: reply.retryAfterMs,
  };
}

/**
 * The outcome of a `/health` probe of the node expected to be `role` (`undefined`: any role, as
 * for `REMOTE_HOST`): online, another role (a wrong PEERS address), or offline with what
 * answered instead.
 */
export function probeOutcome(
  reply: PeerReply,
  role: string | undefined,
  latencyMs: number,
): ProbeOutcome {
  // Anything may answer at an address, no secret needed: every field is a claim, checked here.
  const b = reply.body;
  const peerRole = field(b, "role");
  if (reply.status === 200 && typeof peerRole === "string" && !ROLE_NAME.test(peerRole)) {
    return { state: "offline", reason: "/health answered with a role that is not a valid name" };
  }
  if (reply.status !== 200 || typeof peerRole !== "string") {
    return {
      state: "offline",
      reason: reply.status === 200
        ? "/health did not answer like a talkie-walkie node"
        : `/health answered HTTP ${reply.status}`,
    };
  }
  const list = field(b, "signatures");
  const signatures = Array.isArray(list) && list.includes("v1");
  if (role !== undefined && peerRole !== role) {
    return { state: "wrong_role", latencyMs, role: peerRole, signatures };
  }
  const version = field(b, "version");
  const authenticated = field(b, "authenticated");
  const authError = field(b, "auth_error");
  const session = field(b, "session");
  const nodeKey = field(b, "node_key");
  return {
    state: "online",
    role: peerRole,
    latencyMs,
    version: typeof version === "string" ? shownLine(version, 40) : undefined,
    signatures,
    authenticated: typeof authenticated === "boolean" ? authenticated : undefined,
    authError: typeof authError === "string" ? shownLine(authError, 200) : undefined,
    ...(session !== null && typeof session === "object" ? { session: peerSession(session) } : {}),
    ...(nodeKey !== undefined ? { nodeKey } : {}),
  };
}

/** The `session` object of a peer's `/health`, every field checked and bounded. */
function peerSession(s: object): PeerSession {
  const unread = field(s, "unread");
  const status = field(s, "status");
  return {
    ...(typeof unread === "number" && Number.isSafeInteger(unread) ? { unread } : {}),
    ...(typeof status === "string" ? { status: shownLine(status, 200) } : {}),
    ...(field(s, "channel_events") === "unlikely" ? { channelEventsUnlikely: true } : {}),
  };
}

/** `Retry-After` (seconds or an HTTP date, RFC 9110 §10.2.3) in milliseconds from `now`. */
export function parseRetryAfter(
  value: string | null,
  now: number = Date.now(),
): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value.trim());
  if (value.trim() !== "" && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
