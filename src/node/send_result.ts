/**
 * What sending a message produced: the outcome at each peer, and the errors the messenger
 * throws before any network traffic.
 *
 * @module
 */

import type { Envelope } from "../core/envelope.ts";
import type { Loop } from "../core/ping_pong.ts";
import type { Peer } from "./transport.ts";

/**
 * What happened to a message at one peer: `delivered` (the peer accepted it and handed it to
 * its session), `queued` (the peer is away or busy; it will be retried), `stored` (a broker keeps
 * it for a receiver that is offline), `held` (the receiving node keeps it until its Claude
 * session connects), or `refused` (an error retrying cannot fix, with the
 * peer's reason). Queued and stored messages end with a delivery report.
 */
export type SendOutcome =
  | {
    status: "delivered";
    latencyMs: number;
    /** A note on how (the secret header went to a v2 peer). */
    reason?: string;
  }
  | { status: "queued"; reason: string; ahead: number; retryWindowMs: number }
  | { status: "stored"; reason: string }
  | { status: "held"; reason: string }
  | {
    status: "refused";
    reason: string;
    httpStatus?: number;
    unauthorized?: boolean;
    /** Refused here, before sending (the loop guard), not by the peer. */
    local?: boolean;
  };

/** Outcome of sending to one peer. */
export interface SendResult {
  /** The peer. */
  peer: Peer;
  /** The message as sent. */
  envelope: Envelope;
  /** What happened to it. */
  outcome: SendOutcome;
}

/** A request the messenger refuses before any network traffic. */
export class SendError extends Error {
  /** Error name. */
  override name = "SendError";
}

/** Sending is held back: this session and `peer` have been answering each other in a loop. */
export class LoopError extends SendError {
  /** Error name. */
  override name = "LoopError";
  /** The peer of the loop. */
  readonly peer: string;
  /** Makes the error for a loop with `peer`. */
  constructor(peer: string, loop: Loop) {
    const minutes = Math.max(1, Math.round(loop.durationMs / 60_000));
    super(
      `Conversation loop: you and "${peer}" have answered each other ${loop.messages} times in ` +
        `about ${minutes} min without a pause. Ask the user whether this conversation should ` +
        `go on before you send more; if they say yes, call send_message again with ` +
        `user_approved: true`,
    );
    this.peer = peer;
  }
}
