/**
 * The inbox: every message handed to the session is also kept here, bounded, so a session whose
 * client drops channel events (no channel flag, `claude -p`, another MCP client) can still read
 * it with `read_messages`, and any session can re-read what was said after its context was
 * compacted. In memory only: nothing is written to disk.
 *
 * @module
 */

import { byteLength, type Envelope, sessionText } from "../core/envelope.ts";

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

/** Options of {@linkcode Inbox}. */
export interface InboxOptions {
  /** Most messages kept (default 500). */
  maxMessages?: number;
  /** Most bytes of text kept (default 4 MiB). */
  maxBytes?: number;
}

/** What {@linkcode Inbox.read} returns. */
export interface InboxRead {
  /** The messages, oldest first. */
  messages: InboxMessage[];
  /** Messages dropped, oldest first, to keep the bounds, since the inbox started. */
  dropped: number;
}

/** A bounded inbox; the oldest messages go first when it is full. */
export class Inbox {
  #o: Required<InboxOptions>;
  #messages: InboxMessage[] = [];
  #bytes = 0;
  #dropped = 0;
  #listeners = new Set<() => void>();

  /** Makes an empty inbox. */
  constructor(options: InboxOptions = {}) {
    this.#o = { maxMessages: 500, maxBytes: 4 * 1024 * 1024, ...options };
  }

  /** Keeps a received message, dropping the oldest beyond the bounds. */
  add(envelope: Envelope, nowMs: number): void {
    const text = sessionText(envelope.message);
    const message: InboxMessage = {
      message_id: envelope.message_id,
      from: envelope.from,
      sent_at: envelope.sent_at,
      ...(envelope.reply_to ? { reply_to: envelope.reply_to } : {}),
      text,
      read: false,
      received_at: nowMs,
    };
    this.#messages.push(message);
    this.#bytes += byteLength(text);
    while (
      this.#messages.length > this.#o.maxMessages ||
      (this.#bytes > this.#o.maxBytes && this.#messages.length > 1)
    ) {
      this.#bytes -= byteLength(this.#messages.shift()!.text);
      this.#dropped++;
    }
    for (const listener of [...this.#listeners]) listener();
  }

  /** Calls `listener` after each message kept. @returns the function that stops it. */
  onAdd(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Unread messages, from everyone or from one sender. */
  unread(from?: string): number {
    return this.#messages.filter((m) => !m.read && (from === undefined || m.from === from))
      .length;
  }

  /** Unread messages received before `beforeMs`. */
  unreadSince(beforeMs: number): number {
    return this.#messages.filter((m) => !m.read && m.received_at < beforeMs).length;
  }

  /**
   * Returns messages in order and marks them read: all, or only unread ones, from one sender,
   * the newest `limit` of them.
   */
  read(options: { unreadOnly?: boolean; from?: string; limit?: number } = {}): InboxRead {
    let picked = this.#messages.filter((m) =>
      (!options.unreadOnly || !m.read) && (options.from === undefined || m.from === options.from)
    );
    if (options.limit !== undefined) picked = picked.slice(-Math.max(0, options.limit));
    const messages = picked.map((m) => ({ ...m }));
    for (const m of picked) m.read = true;
    return { messages, dropped: this.#dropped };
  }

  /** Marks one message read (the session answered it); false when it is not in the inbox. */
  markRead(messageId: string): InboxMessage | undefined {
    const m = this.#messages.find((x) => x.message_id === messageId && !x.read);
    if (m) m.read = true;
    return m;
  }
}
