/**
 * The wire format between nodes (v2 compatible) and the one message shape the rest of the code
 * uses. Wire names are snake_case; this is the one place they are read.
 *
 * `POST /message` body, `application/json`:
 * `{"from": string, "message": string, "to"?: string, "message_id"?: string,
 *   "reply_to"?: string, "sent_at"?: string}`; v2 nodes send only `from` and `message`.
 *
 * @module
 */

import { MESSAGE_ID, roleProblem } from "./names.ts";

/** One message as it travels and as hub events, SSE events and channel meta carry it. */
export interface Envelope {
  /** Unique id; receivers use it to drop duplicates. */
  message_id: string;
  /** The sender's role (or `webhook`). */
  from: string;
  /** The recipient's role; for a webhook without `to`, the receiving node's role. */
  to: string;
  /** The text, untrusted. */
  message: string;
  /** ISO 8601 time the sender stamped (or the receiver, for v2 senders). */
  sent_at: string;
  /** The `message_id` this message answers. */
  reply_to?: string;
  /**
   * Set by the receiver, never read from the wire: `node` when a node key signed it (and
   * matched any pin), `webhook` for a sender with the mesh secret only.
   */
  sender_kind?: "node" | "webhook";
}

/** A request body or field that cannot be accepted, with the HTTP status to answer. */
export class ProtocolError extends Error {
  /** Error name. */
  override name = "ProtocolError";
  /** HTTP status code for the answer: 400, 413 or 421. */
  readonly status: number;
  /** Makes an error answered with `status`. */
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const ID = MESSAGE_ID;
const encoder = new TextEncoder();

/** A new message id: `msg_` and 20 random hex digits (sortable by nothing, unique enough). */
export function newMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return "msg_" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** UTF-8 size of a string, in bytes. */
export function byteLength(text: string): number {
  return encoder.encode(text).byteLength;
}

/** Options for {@linkcode parseEnvelope}. */
export interface ParseOptions {
  /** The receiving node's role; a `to` naming another role is refused with 421. */
  role: string;
  /** Limit on the message's UTF-8 size, in bytes. */
  maxMessageBytes: number;
  /** Sender when the body names none (a webhook). */
  defaultFrom: string;
  /** Now, for `sent_at` when the sender gave none. */
  now: Date;
  /** Message id when the body has none (a signed request's `webhook-id`); else a new one. */
  defaultId?: string;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new ProtocolError(400, `"${key}" must be a string`);
  return v;
}

/**
 * Validates a decoded request body and returns the envelope it describes.
 *
 * @param body the parsed JSON value, or a string for a `text/plain` body.
 * @throws {ProtocolError} 400 for a wrong shape or field, 413 for a message over the limit,
 *   421 when `to` names another role.
 */
export function parseEnvelope(body: unknown, options: ParseOptions): Envelope {
  const fields: Record<string, unknown> = typeof body === "string" ? { message: body } : (
    body !== null && typeof body === "object" && !Array.isArray(body)
      ? body as Record<string, unknown>
      : (() => {
        throw new ProtocolError(400, 'Body must be a JSON object like {"from":"…","message":"…"}');
      })()
  );
  const message = fields.message;
  if (typeof message !== "string") {
    throw new ProtocolError(400, '"message" is required and must be a string');
  }
  if (message.trim() === "") throw new ProtocolError(400, '"message" is empty');
  const size = byteLength(message);
  if (size > options.maxMessageBytes) {
    throw new ProtocolError(
      413,
      `"message" is ${size} bytes, over the limit of ${options.maxMessageBytes}: ` +
        "split it or raise INTERCOM_MAX_MESSAGE_BYTES on the receiver",
    );
  }
  const from = optionalString(fields, "from") ?? options.defaultFrom;
  const bad = roleProblem(from);
  if (bad) throw new ProtocolError(400, `"from" ${bad}`);
  const to = optionalString(fields, "to");
  if (to !== undefined && to !== options.role) {
    throw new ProtocolError(
      421,
      `This node is "${options.role}", not "${to.slice(0, 64)}": check the sender's PEERS address`,
    );
  }
  const id = optionalString(fields, "message_id");
  if (id !== undefined && !ID.test(id)) {
    throw new ProtocolError(400, '"message_id" must be 1-128 of letters, digits, "_.:-"');
  }
  const replyTo = optionalString(fields, "reply_to");
  if (replyTo !== undefined && !ID.test(replyTo)) {
    throw new ProtocolError(400, '"reply_to" must be 1-128 of letters, digits, "_.:-"');
  }
  const sentAtText = optionalString(fields, "sent_at");
  const sentAt = sentAtText === undefined ? undefined : normaliseTime(sentAtText);
  if (sentAt === null) {
    throw new ProtocolError(
      400,
      '"sent_at" must be an ISO 8601 time such as "2026-12-02T14:32:17Z" (or an HTTP date)',
    );
  }
  const envelope: Envelope = {
    message_id: id ?? options.defaultId ?? newMessageId(),
    from,
    to: options.role,
    message: wellFormed(message),
    sent_at: sentAt ?? options.now.toISOString(),
  };
  if (replyTo !== undefined) envelope.reply_to = replyTo;
  return envelope;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
/** RFC 9110 §5.6.7 IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`. */
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * A time as ISO 8601 in UTC (`2026-12-02T14:32:17.000Z`), from an ISO 8601 date-time with a
 * zone or an HTTP date; `null` for anything else (`"1"`, a bare date, a local time).
 */
export function normaliseTime(text: string): string | null {
  const t = text;
  if (t.length > 40 || !(ISO_8601.test(t) || HTTP_DATE.test(t))) return null;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/**
 * `text` with every lone UTF-16 surrogate replaced by U+FFFD, as `String.prototype.toWellFormed`
 * (ES2024) does: a lone surrogate that reaches a Claude session breaks its later API calls.
 */
export function wellFormed(text: string): string {
  return text.replace(
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    "\ufffd",
  );
}

/**
 * Makes untrusted text unable to open or close a `<channel>` tag in Claude's context: a
 * zero-width joiner goes after each `<` that starts `channel` or `/channel`. The text reads the
 * same to a person and to the model.
 */
export function neutraliseChannelTags(text: string): string {
  return text.replace(/<(\/?)(channel)/gi, "<\u200d$1$2");
}

/**
 * Untrusted text as it may enter a Claude session (a channel event, the inbox, a status line):
 * well formed, and unable to open or close a `<channel>` tag.
 */
export function sessionText(text: string): string {
  return neutraliseChannelTags(wellFormed(text));
}

/**
 * The `meta` of a `notifications/claude/channel` event: flat string-to-string, identifier keys
 * only (Claude Code drops the whole event on a non-string value, and a key with a hyphen).
 */
export function channelMeta(e: Envelope): Record<string, string> {
  const meta: Record<string, string> = {
    from: e.from,
    to: e.to,
    message_id: e.message_id,
    sent_at: e.sent_at,
  };
  if (e.reply_to !== undefined) meta.reply_to = e.reply_to;
  if (e.sender_kind !== undefined) meta.sender_kind = e.sender_kind;
  return meta;
}
