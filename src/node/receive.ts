/**
 * The node's receive rules, the same for every transport: an {@linkcode Inbound} message (its
 * bytes and how it was authenticated) goes through the envelope checks, the rate limits, the
 * duplicate and replay memories, and is handed to the session or held. The HTTP handler and
 * the NATS subscriptions build the `Inbound` and turn the {@linkcode Received} into their
 * answer with {@linkcode answerOf}; nothing here knows HTTP or NATS.
 *
 * @module
 */

import { type Envelope, parseEnvelope, ProtocolError } from "../core/envelope.ts";
import { MESSAGE_ID } from "../core/names.ts";
import { type DeliveredIds, textDigest } from "../core/delivered.ts";
import type { RateLimiter } from "../core/rate_limit.ts";
import type { SeenIds } from "../core/replay.ts";
import type { SessionDelivery } from "./channel.ts";
import type { Hub } from "./hub.ts";
import { parseReceipt, type Receipt } from "./receipts.ts";
import { claimFingerprint, type NodeClaim, verifyNode } from "../core/node_key.ts";
import { DEFAULT_TOLERANCE_SECONDS } from "../core/signature.ts";
import type { Pins, PinVerdict } from "./pins.ts";
import type { Privacy } from "./privacy.ts";

/**
 * How an inbound message was authenticated before it arrived here: a Standard Webhooks
 * signature checked now (`signature`) or as of the time a broker stored it (`stored`), with
 * its `webhook-id`; or the v2 `X-Intercom-Secret` header (`secret`).
 */
export type Verified =
  | { by: "signature" | "stored"; id: string }
  | { by: "secret" };

/** A message as a transport received it, after authentication. */
export interface Inbound {
  /** The body, as sent. */
  bytes: Uint8Array;
  /** `json` (an envelope object, the default) or `text` (the whole body is the message). */
  type?: "json" | "text";
  /** How it was authenticated. */
  verified: Verified;
  /** Sender name for a body that names none (the `X-Intercom-From` header); else `webhook`. */
  from?: string;
  /** The sender's network address, for the per-address limit; none over a broker. */
  source?: string;
  /** The node key headers, when the sender sent them (a signed request only). */
  node?: NodeClaim;
}

/**
 * What became of an inbound message. `delivered` (the session has it), `held` (kept until the
 * session initializes) and `duplicate` (a retry of a message it has) are taken; `conflict` (a
 * known id with another text), `refused` (bad body or envelope, with its status), `limited`
 * (rate limit) and `not_ready`, `full` (too much held, or no room to keep it) or `gone` (no
 * session to take it now) are not.
 * `retryAfterSeconds` says when trying again may succeed.
 */
export type Received =
  | { kind: "delivered" | "held" | "duplicate"; id: string }
  | { kind: "conflict"; id: string; reason: string }
  | { kind: "refused"; status: number; reason: string }
  | { kind: "limited"; reason: string; retryAfterSeconds: number }
  | { kind: "not_ready" | "full" | "gone"; id: string; reason: string; retryAfterSeconds: number };

/** The answer a transport sends back: an HTTP status, a JSON body and a retry hint. */
export interface Answer {
  /** HTTP status code, also the `status` of a NATS reply. */
  status: number;
  /** The JSON body: `{"ok":true,…}` or `{"ok":false,"error":…}`. */
  body: Record<string, unknown>;
  /** Seconds to wait before trying again (`Retry-After`), when it says so. */
  retryAfterSeconds?: number;
}

/** What {@linkcode receive} works with: the node's memories, limits and session. */
export interface ReceiveContext {
  /** This node's role; a message addressed to another is refused with 421. */
  role: string;
  /** Limit on one message's UTF-8 text, in bytes. */
  maxMessageBytes: number;
  /** Clock. */
  now: () => Date;
  /** Recently seen `webhook-id`s: a replayed signed message is not delivered again. */
  seen: SeenIds;
  /** What was handed to the session, per sender: retries are duplicates, other text is 409. */
  delivered: DeliveredIds;
  /** Hands a message to the session; `hold` says whether to keep it until it initializes. */
  deliver: (envelope: Envelope, hold: boolean) => Promise<SessionDelivery>;
  /** Where accepted messages are published as `recv`. */
  hub: Hub;
  /** Per-sender limit; none when undefined. */
  limiter?: RateLimiter;
  /** Per-address limit, whatever `from` the messages claim; none when undefined. */
  addressLimiter?: RateLimiter;
  /** Takes a peer's read receipt; returns how many of its ids were taken. */
  onReceipt?: (receipt: Receipt) => number;
  /**
   * Joins the writes until the event loop's next turn into one transaction (`Store.batch`):
   * the delivered id and the inbox's copy of a message commit together, with those of the
   * messages that arrived at the same time. Its promise is awaited by the inbox.
   */
  batch?: () => Promise<void>;
  /** Who may speak as which role; without it a valid node signature is enough. */
  pins?: Pins;
  /**
   * Opens texts sealed to this node's key (without it a sealed message is refused), and says
   * which node sealed one (`sealer`).
   */
  privacy?: Pick<Privacy, "open"> & Partial<Pick<Privacy, "sealer" | "prove">>;
}

/**
 * Judges who sent an inbound message claiming `from`: its node signature must verify, and
 * the role's pin (if any) must name that key. A signed request without node headers is a
 * webhook (or a v2 node). The one place the node key of a message, receipt or report is read.
 *
 * @param sealed the body of a message whose seal may prove its sender (`sealedFresh`):
 *   when it does (`Privacy.sealer`) and the claim names that node's key, the node signature is
 *   not checked again; when it does not but the signature verifies, the seal's key is taken as
 *   that node's (`Privacy.prove`), for its next messages.
 */
export function judgeSender(
  inbound: Inbound,
  from: string,
  ctx: ReceiveContext,
  sealed?: Record<string, unknown>,
): PinVerdict {
  const { node, verified } = inbound;
  let signer: string | undefined;
  let proven = false;
  if (node !== undefined && verified.by !== "secret") {
    const sealedBy = sealed && ctx.privacy?.sealer?.(from, sealed);
    proven = sealedBy !== undefined && claimFingerprint(node) === sealedBy;
    const checked = proven
      ? { ok: true as const, fingerprint: sealedBy! }
      : verifyNode(node, verified.id, inbound.bytes);
    if (!checked.ok) {
      return { ok: false, reason: `The sender's node signature is not valid: ${checked.reason}` };
    }
    signer = checked.fingerprint;
  }
  const verdict: PinVerdict = ctx.pins
    ? ctx.pins.judge(from, signer)
    : { ok: true, sender: signer ? "node" : "webhook" };
  // The node signed a text sealed with this key: its next texts sealed so prove their sender.
  if (verdict.ok && sealed && signer && !proven) ctx.privacy?.prove?.(from, sealed, signer);
  return verdict;
}

/** Strict UTF-8, one for all messages (a decoder without `stream` keeps no state). */
const UTF8 = new TextDecoder("utf-8", { fatal: true });

function decode(inbound: Inbound): unknown | Received {
  let text: string;
  try {
    text = UTF8.decode(inbound.bytes);
  } catch {
    return refused(400, "Body is not valid UTF-8");
  }
  if (inbound.type === "text") return text;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    return refused(
      400,
      `Body is not valid JSON (${(e as Error).message}): send {"from":"…","message":"…"}`,
    );
  }
  // A JSON string or number is not a text/plain message: ask for the object.
  if (typeof body !== "object") {
    return refused(400, 'Body must be a JSON object like {"from":"…","message":"…"}');
  }
  return body;
}

/** A sealed body's fields: all but `sealed` are its associated data, nothing travels unproven. */
const SEALED_FIELDS = new Set(["message_id", "from", "to", "sent_at", "sealed"]);

/**
 * The body of a signed message (`decoded`, its text opened into `envelope`) whose seal can
 * prove its sender, else undefined: sealed to this node's key (not with the mesh secret), no
 * field outside the seal's associated data, and `sent_at` within the signature tolerance (an
 * older text under a fresh webhook signature could be a replay past the delivered ids' memory:
 * it gets the node signature's check, which covers the timestamp).
 */
function sealedFresh(
  decoded: unknown,
  envelope: Envelope,
  inbound: Inbound,
  ctx: ReceiveContext,
): Record<string, unknown> | undefined {
  if (inbound.verified.by !== "signature") return undefined;
  const body = decoded as Record<string, unknown>;
  if (typeof body.sealed !== "object" || body.sealed === null) return undefined;
  for (const k in body) if (!SEALED_FIELDS.has(k)) return undefined;
  const age = Math.abs(ctx.now().getTime() - Date.parse(envelope.sent_at));
  return age <= DEFAULT_TOLERANCE_SECONDS * 1000 ? body : undefined;
}

const refused = (status: number, reason: string): Received => ({ kind: "refused", status, reason });

/** A body with its sealed text opened (`node/privacy.ts`), or the refusal saying why not. */
function unseal(body: unknown, ctx: ReceiveContext): unknown | Received {
  const fields = body as Record<string, unknown> | string;
  if (typeof fields !== "object" || fields === null || fields.sealed === undefined) return body;
  if (!ctx.privacy) return refused(400, "This node has no key to open a sealed message");
  try {
    return ctx.privacy.open(fields);
  } catch (e) {
    return refused(400, `Cannot open the sealed message: ${(e as Error).message}`);
  }
}
const isReceived = (v: unknown): v is Received =>
  v !== null && typeof v === "object" && "kind" in v && v.kind === "refused";

/**
 * Applies the receive rules to one message: its body and envelope, the per-address and
 * per-sender limits, the duplicate memory (a retry is `duplicate`, the same id with another
 * text `conflict`) and the `webhook-id` replay memory, then the hand-over to the session. A
 * message that was taken is published on the hub as `recv`.
 *
 * A signed message comes from a sender that retries (a node's outbox, a broker's stream): it
 * is not held for a session that has not initialized (`not_ready`). A message with the secret
 * header alone is held.
 */
export async function receive(inbound: Inbound, ctx: ReceiveContext): Promise<Received> {
  const decoded = decode(inbound);
  if (isReceived(decoded)) return decoded;
  const body = unseal(decoded, ctx);
  if (isReceived(body)) return body;
  const { verified } = inbound;
  const webhookId = verified.by === "secret" ? undefined : verified.id;
  let envelope: Envelope;
  try {
    envelope = parseEnvelope(body, {
      role: ctx.role,
      maxMessageBytes: ctx.maxMessageBytes,
      defaultFrom: inbound.from || "webhook",
      now: ctx.now(),
      defaultId: webhookId && MESSAGE_ID.test(webhookId) ? webhookId : undefined,
    });
  } catch (e) {
    if (e instanceof ProtocolError) return refused(e.status, e.message);
    throw e;
  }
  const sealed = sealedFresh(decoded, envelope, inbound, ctx);
  const sender = judgeSender(inbound, envelope.from, ctx, sealed);
  if (!sender.ok) return refused(403, sender.reason);
  envelope.sender_kind = sender.sender;
  const nowMs = ctx.now().getTime();
  const { source } = inbound;
  const byAddress = source ? ctx.addressLimiter?.take(source, nowMs) : undefined;
  if (byAddress && !byAddress.ok) {
    const wait = byAddress.retryAfterSeconds;
    const reason = `Too many messages from ${source}: try again in ${wait} s`;
    return { kind: "limited", reason, retryAfterSeconds: wait };
  }
  // Retries and replays carry the same ids: acknowledge them without a second channel event.
  const { from, message_id: id } = envelope;
  const digest = textDigest(envelope.message);
  const known = ctx.delivered.check(from, id, digest, nowMs);
  // A copy of a message taken already (a retry, or a replay by anyone who saw it) is answered
  // before the sender's limit: copies must not use up the real sender's messages.
  if (known === "duplicate") return { kind: "duplicate", id };
  const allowed = ctx.limiter?.take(from, nowMs) ?? { ok: true };
  if (!allowed.ok) {
    const wait = allowed.retryAfterSeconds;
    const reason = `Too many messages from "${from}": try again in ${wait} s`;
    return { kind: "limited", reason, retryAfterSeconds: wait };
  }
  if (known === "conflict") {
    const reason = `message_id "${id}" from "${from}" was already delivered with another ` +
      "text: give a new message a new message_id";
    return { kind: "conflict", id, reason };
  }
  // Remembered before the hand-over, so a concurrent retry is a duplicate, not a second event;
  // in the same transaction as the inbox's copy (committed before the session is told).
  ctx.batch?.();
  try {
    const freshWebhook = webhookId === undefined ||
      ctx.seen.checkAndAdd(`webhook-id:${webhookId}`, nowMs);
    if (!freshWebhook) return { kind: "duplicate", id };
    ctx.delivered.add(from, id, digest, nowMs);
  } catch (e) {
    // The store cannot write (a full disk): refuse rather than take what would be forgotten.
    const reason = `"${ctx.role}" cannot keep messages now (${(e as Error).message}): ` +
      "try again later";
    return { kind: "full", id, reason, retryAfterSeconds: 60 };
  }
  const handed = await ctx.deliver(envelope, webhookId === undefined);
  if (handed !== "delivered" && handed !== "held") {
    // Not taken: the sender's retry of this very message must be taken, not called a replay.
    ctx.delivered.forget(from, id);
    if (webhookId !== undefined) ctx.seen.forget(`webhook-id:${webhookId}`);
    const reason = {
      not_ready: `"${ctx.role}"'s Claude session has not connected yet: try again shortly`,
      full: `"${ctx.role}"'s Claude session has not connected yet and holds too many ` +
        "messages already: try again later",
      no_space: `"${ctx.role}" cannot keep the message in its store now: try again later`,
      gone: `"${ctx.role}" has no Claude session any more: it is shutting down`,
    }[handed];
    const kind = handed === "no_space" ? "full" : handed;
    return { kind, id, reason, retryAfterSeconds: handed === "not_ready" ? 2 : 30 };
  }
  ctx.hub.publish("recv", envelope);
  return { kind: handed, id };
}

/**
 * Takes a signed read receipt (`POST /receipt`): a replayed `webhook-id` is a duplicate, a
 * body that is not a receipt is 400.
 *
 * @returns the answer `{"ok":true,"accepted":n}`, or the refusal.
 */
export function receiveReceipt(
  inbound: Inbound & { verified: { by: "signature"; id: string } },
  ctx: ReceiveContext,
): Answer {
  if (!ctx.seen.checkAndAdd(`webhook-id:${inbound.verified.id}`, ctx.now().getTime())) {
    return { status: 200, body: { ok: true, accepted: 0, duplicate: true } };
  }
  let receipt: Receipt;
  try {
    receipt = parseReceipt(JSON.parse(new TextDecoder().decode(inbound.bytes)));
  } catch (e) {
    const error = e instanceof TypeError ? e.message : "Body is not valid JSON";
    return { status: 400, body: { ok: false, error } };
  }
  const sender = judgeSender(inbound, receipt.from, ctx);
  if (!sender.ok) return { status: 403, body: { ok: false, error: sender.reason } };
  return { status: 200, body: { ok: true, accepted: ctx.onReceipt?.(receipt) ?? 0 } };
}

/**
 * The answer to a {@linkcode Received}, as senders read it (`core/outcome.ts`): 200
 * `{"ok":true,"message_id"}` (with `duplicate: true` for a retry), 202 with `held: true`, 409
 * for a conflict, the refusal's own status (400, 413, 421), 429 for a limit and 503 for a
 * session that cannot take it now, the last two with a retry hint.
 */
export function answerOf(received: Received): Answer {
  const fail = (status: number, error: string, retryAfterSeconds?: number): Answer =>
    retryAfterSeconds === undefined
      ? { status, body: { ok: false, error } }
      : { status, body: { ok: false, error }, retryAfterSeconds };
  switch (received.kind) {
    case "delivered":
      return { status: 200, body: { ok: true, message_id: received.id } };
    case "held":
      // A session that has not initialized gets it when it does: say so, do not claim it.
      return { status: 202, body: { ok: true, message_id: received.id, held: true } };
    case "duplicate":
      return { status: 200, body: { ok: true, message_id: received.id, duplicate: true } };
    case "conflict":
      return fail(409, received.reason);
    case "refused":
      return fail(received.status, received.reason);
    case "limited":
      return fail(429, received.reason, received.retryAfterSeconds);
    default:
      return fail(503, received.reason, received.retryAfterSeconds);
  }
}
