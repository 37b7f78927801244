/**
 * The inbox: every message handed to the session is also kept, so a session whose client drops
 * channel events (no channel flag, `claude -p`, another MCP client) can still read it with
 * `read_messages`, and any session can re-read what was said after its context was compacted.
 * The node's store keeps it (`store/history.ts`), so it survives a restart; this is its shape.
 *
 * @module
 */

import type { Envelope } from "../core/envelope.ts";

/** One message as `read_messages` returns it. */
export interface InboxMessage {
  /** The sender's id of the message. */
  message_id: string;
  /** The sender's role. */
  from: string;
  /** ISO 8601 time the sender stamped. */
  sent_at: string;
  /** The `message_id` this message answers, if any. */
  reply_to?: string;
  /** The text, neutralised exactly as channel events are. */
  text: string;
  /** Whether `read_messages` returned it before. */
  read: boolean;
  /** When this node received it, in Unix milliseconds. */
  received_at: number;
}

/** One search result. */
export interface SearchMatch {
  /** The message's id. */
  message_id: string;
  /** `in` (received) or `out` (sent). */
  direction: "in" | "out";
  /** The sender's role. */
  from: string;
  /** The recipient's role. */
  to: string;
  /** When this node received or sent it, in Unix milliseconds. */
  at: number;
  /** The words around the match, the match in `[` `]`, neutralised. */
  snippet: string;
  /** The message it answers, if any. */
  reply_to?: string;
  /** How a sent message ended (`delivered`, `read`, `queued`, …). */
  outcome?: string;
  /**
   * The conversation around it: the messages it answers (oldest first, up to 10), then the
   * answers to it (up to 10), each as id, from, to and the start of its text.
   */
  thread: { message_id: string; from: string; to: string; text: string }[];
}

/** Options of {@linkcode Inbox.search}. */
export interface SearchOptions {
  /** Words to find (all of them; the last one also as a prefix). */
  query: string;
  /** Only messages from or to this role. */
  peer?: string;
  /** Only messages at or after this time, in Unix milliseconds. */
  since?: number;
  /** Most matches, newest first (default 10, at most 100). */
  limit?: number;
}

/** What {@linkcode Inbox.read} returns. */
export interface InboxRead {
  /** The messages, oldest first. */
  messages: InboxMessage[];
  /** Unread messages dropped by the history's retention since the node started. */
  dropped: number;
}

/** The received messages of one node, with their read state. */
export interface Inbox {
  /**
   * Keeps a received message (unread) before the session is told of it.
   *
   * @throws when it cannot be kept (a full disk): the message is then not taken.
   */
  add(envelope: Envelope, nowMs: number, operator?: boolean): void;
  /**
   * Joins the writes until the event loop's next turn into one transaction, when the inbox
   * batches them (a store does).
   *
   * @returns a promise that resolves once they are kept, and rejects when they are not.
   */
  batch?(): Promise<void>;
  /** Calls `listener` after each message kept. @returns the function that stops it. */
  onAdd(listener: () => void): () => void;
  /** Unread messages, from everyone or from one sender. */
  unread(from?: string): number;
  /** Unread messages received before `beforeMs`. */
  unreadSince(beforeMs: number): number;
  /**
   * Returns messages in order and marks them read: all, or only unread ones, from one sender,
   * the newest `limit` of them.
   */
  read(options?: { unreadOnly?: boolean; from?: string; limit?: number }): InboxRead;
  /** Marks one message read (the session answered it); undefined when it is not unread. */
  markRead(messageId: string): InboxMessage | undefined;
  /**
   * Finds messages in and out whose text has every word of `options.query`, newest first.
   *
   * @throws {RangeError} when the query has no word to search for.
   */
  search(options: SearchOptions): SearchMatch[];
}
