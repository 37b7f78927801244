/**
 * The options of {@linkcode Messenger}: role, transport, hub, limits and clocks.
 *
 * @module
 */

import type { PingPong } from "../core/ping_pong.ts";
import type { Hub } from "./hub.ts";
import type { PeerTransport } from "./transport.ts";
import type { OutboxPersistence } from "./outbox.ts";

/** Options for `Messenger`. */
export interface MessengerOptions {
  /** This session's role, the `from` of every message. */
  role: string;
  /** How messages reach peers (HTTP mesh or broker). */
  transport: PeerTransport;
  /** Where `send` events and delivery reports go. */
  hub: Hub;
  /** Our own limit on message text, in bytes. */
  maxMessageBytes: number;
  /** Retry window of the outbox, in milliseconds (default 10 minutes). */
  retryWindowMs?: number;
  /** Outbox bounds (defaults 1 000 messages, 16 MiB). */
  outboxMaxMessages?: number;
  /** UTF-8 bytes of all queued messages, at most. */
  outboxMaxBytes?: number;
  /** First retry delay, in milliseconds (default 500). */
  retryBaseDelayMs?: number;
  /** Conversation-loop detection (default {@linkcode PingPong}'s: 20 alternating messages). */
  pingPong?: PingPong;
  /** Send read receipts for messages this session read or answered (default true). */
  readReceipts?: boolean;
  /** Loop guard: most messages a minute to one peer; 0 or undefined turns it off. */
  sendLimitPerMinute?: number;
  /** Where queued messages are kept across restarts (default: memory only). */
  outboxPersistence?: OutboxPersistence;
  /** Clock, injected for tests. */
  now?: () => Date;
}
