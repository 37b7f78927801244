/**
 * Read receipts. The receiving node tells the sender's node when its session read a message
 * (`read_messages`) or answered it (`reply_to`); the sender keeps a bounded log of what it
 * delivered, accepts a receipt only from the peer each message went to, and tells its session
 * with a `delivery_report` event (`outcome` `read`).
 *
 * Wire: `POST /receipt`, signed (Standard Webhooks), JSON
 * `{"from": "<reader role>", "message_ids": ["…"], "read_at": "<ISO 8601>"}`.
 *
 * @module
 */

import { MESSAGE_ID, roleProblem } from "../core/names.ts";
import { normaliseTime } from "../core/envelope.ts";

/** A receipt as it travels. */
export interface Receipt {
  /** The role of the session that read the messages. */
  from: string;
  /** The messages it read. */
  message_ids: string[];
  /** When, ISO 8601. */
  read_at: string;
  /**
   * The messages were put in the model's context (a hook waiter printed them): reported as
   * `seen`, stronger than `read`. Absent for a `read_messages` read; older nodes ignore it.
   */
  seen?: true;
}

/** Most ids in one receipt. */
export const MAX_RECEIPT_IDS = 256;

/**
 * Validates a decoded receipt body.
 *
 * @throws {TypeError} naming the field that is wrong.
 */
export function parseReceipt(body: unknown): Receipt {
  const b = body as Record<string, unknown> | null;
  if (b === null || typeof b !== "object" || Array.isArray(b)) {
    throw new TypeError('A receipt is a JSON object {"from","message_ids","read_at"}');
  }
  if (typeof b.from !== "string" || roleProblem(b.from)) {
    throw new TypeError('"from" must be a role name');
  }
  const ids = b.message_ids;
  if (
    !Array.isArray(ids) || ids.length === 0 || ids.length > MAX_RECEIPT_IDS ||
    !ids.every((id) => typeof id === "string" && MESSAGE_ID.test(id))
  ) {
    throw new TypeError(`"message_ids" must be 1-${MAX_RECEIPT_IDS} message ids`);
  }
  const readAt = typeof b.read_at === "string" ? normaliseTime(b.read_at) : null;
  if (readAt === null) throw new TypeError('"read_at" must be an ISO 8601 time');
  return {
    from: b.from,
    message_ids: ids as string[],
    read_at: readAt,
    ...(b.seen === true ? { seen: true as const } : {}),
  };
}

/**
 * One receipt per sender of `messages` (at most {@linkcode MAX_RECEIPT_IDS} ids each), from the
 * reader `role`, read at `readAt` (ISO 8601).
 */
export function groupReceipts(
  messages: readonly { from: string; message_id: string }[],
  role: string,
  readAt: string,
  seen = false,
): { peer: string; receipt: Receipt }[] {
  const byPeer = new Map<string, string[]>();
  for (const m of messages) byPeer.set(m.from, [...byPeer.get(m.from) ?? [], m.message_id]);
  return [...byPeer].map(([peer, ids]) => ({
    peer,
    receipt: {
      from: role,
      message_ids: ids.slice(0, MAX_RECEIPT_IDS),
      read_at: readAt,
      ...(seen ? { seen: true as const } : {}),
    },
  }));
}

/** One message this node delivered, as the sent log keeps it. */
export interface SentEntry {
  /** The peer it went to. */
  peer: string;
  /** When it was delivered, in Unix milliseconds. */
  deliveredAt: number;
  /** When the peer's session read it, if a receipt said so. */
  readAt?: number;
  /** Whether that receipt said the model has it in context (`seen`). */
  seen?: boolean;
}

/** What this node delivered, per message id, bounded; the oldest is forgotten first. */
export class SentLog {
  #max: number;
  #entries = new Map<string, SentEntry>();

  /** Makes an empty log of at most `max` messages (default 2 000). */
  constructor(max = 2_000) {
    this.#max = max;
  }

  /** Remembers that `messageId` was delivered to `peer` at `nowMs`. */
  delivered(messageId: string, peer: string, nowMs: number): void {
    this.#entries.set(`${peer} ${messageId}`, { peer, deliveredAt: nowMs });
    if (this.#entries.size > this.#max) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
  }

  /**
   * Marks as read the ids of `receipt` that were delivered to its sender and not read yet.
   *
   * @returns the ids newly read; ids sent to another peer, or unknown, are ignored.
   */
  read(receipt: Receipt, nowMs: number): string[] {
    const fresh: string[] = [];
    for (const id of receipt.message_ids) {
      const entry = this.#entries.get(`${receipt.from} ${id}`);
      if (!entry || entry.readAt !== undefined) continue;
      entry.readAt = nowMs;
      if (receipt.seen) entry.seen = true;
      fresh.push(id);
    }
    return fresh;
  }

  /** Messages to `peer` that its model has in context (`seen` receipts). */
  seenCount(peer: string): number {
    let n = 0;
    for (const e of this.#entries.values()) if (e.peer === peer && e.seen) n++;
    return n;
  }

  /** Messages delivered to `peer` before `beforeMs` and not read. */
  unread(peer: string, beforeMs: number): number {
    let n = 0;
    for (const e of this.#entries.values()) {
      if (e.peer === peer && e.readAt === undefined && e.deliveredAt < beforeMs) n++;
    }
    return n;
  }
}
