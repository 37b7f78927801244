/**
 * Sending side of a node: addresses a message, delivers it to one peer or many (queueing it in
 * the outbox when the peer is away), and publishes a `send` event on the hub for each peer that
 * accepted it.
 *
 * @module
 */

import type { Peer } from "./transport.ts";
import type { Hub } from "./hub.ts";
import { Outbox } from "./outbox.ts";
import { WindowLimiter } from "../core/rate_limit.ts";
import type { PeerTransport, TransportStatus } from "./transport.ts";
import type { DeliveryOutcome, ProbeOutcome } from "../core/outcome.ts";
import { byteLength, type Envelope, newMessageId } from "../core/envelope.ts";

/**
 * What happened to a message at one peer: `delivered` (the peer accepted it and handed it to
 * its session), `queued` (the peer is away or busy; it will be retried), `stored` (a broker keeps
 * it for a receiver that is offline), or `refused` (an error retrying cannot fix, with the
 * peer's reason). Queued and stored messages end with a delivery report.
 */
export type SendOutcome =
  | { status: "delivered"; latencyMs: number; reason?: string }
  | { status: "queued"; reason: string; ahead: number; retryWindowMs: number }
  | { status: "stored"; reason: string }
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

/** Options for {@linkcode Messenger}. */
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
  /** Loop guard: most messages a minute to one peer; 0 or undefined turns it off. */
  sendLimitPerMinute?: number;
  /** Clock, injected for tests. */
  now?: () => Date;
}

/** Delivers messages to peers. */
export class Messenger {
  #o: MessengerOptions;
  #outbox: Outbox;
  #guard?: WindowLimiter;
  /** First attempts on the wire, per peer (the outbox counts the rest). */
  #inFlight = new Map<string, number>();

  /** Makes a messenger that sends over `options.transport`. */
  constructor(options: MessengerOptions) {
    this.#o = options;
    const limit = options.sendLimitPerMinute;
    if (limit) this.#guard = new WindowLimiter({ limit });
    this.#outbox = new Outbox({
      attempt: (peer, envelope) => this.#attempt(peer, envelope),
      onDelivered: (envelope) => options.hub.publish("send", envelope),
      onReport: (report) => options.hub.report(report),
      retryWindowMs: options.retryWindowMs,
      maxMessages: options.outboxMaxMessages,
      maxBytes: options.outboxMaxBytes,
      baseDelayMs: options.retryBaseDelayMs,
    });
  }

  /** Queue length and last error of a peer. */
  queueStats(peer: string): { queued: number; lastError?: string } {
    return this.#outbox.stats(peer);
  }

  /** Stops retrying; returns what was still queued, per peer. */
  close(): { peer: string; count: number }[] {
    const dropped = new Map(this.#outbox.close().map((d) => [d.peer, d.count]));
    // A first attempt still on the wire is lost too: say so.
    for (const [peer, n] of this.#inFlight) dropped.set(peer, (dropped.get(peer) ?? 0) + n);
    return [...dropped].filter(([, count]) => count > 0).map(([peer, count]) => ({ peer, count }));
  }

  /** The transport's own state (a broker's connection, who is online). */
  status(): TransportStatus {
    return this.#o.transport.status();
  }

  /** The peers a message can go to now. */
  get peers(): readonly Peer[] {
    return this.#o.transport.peers();
  }

  /**
   * Finds the peer a message goes to. `to` may be omitted when there is exactly one peer.
   *
   * @throws {SendError} when the transport cannot send now, for an unknown name (listing the
   *   known ones, or who is online on a broker) or a missing `to`.
   */
  resolve(to: string | undefined): Peer {
    const status = this.#o.transport.status();
    if (status.problem) throw new SendError(`Cannot send: ${status.problem}`);
    const peers = this.peers;
    const known = peers.map((p) => `"${p.name}"`).join(", ");
    const name = to?.trim() ?? "";
    const presence = status.online !== undefined;
    if (name === "") {
      if (peers.length === 1) return peers[0];
      if (peers.length === 0) {
        throw new SendError(
          presence
            ? `No other session is online in ${status.scope} yet`
            : "No peers are configured: set PEERS=name=host,… and restart",
        );
      }
      throw new SendError(`Say which peer with "to": one of ${known}`);
    }
    const peer = peers.find((p) => p.name === name);
    if (peer) return peer;
    if (name === this.#o.role) {
      throw new SendError(`"${name}" is this session's own role; known peers: ${known || "none"}`);
    }
    if (presence) {
      throw new SendError(
        `No session "${name}" is online in ${status.scope}; online now: ${known || "none"}`,
      );
    }
    throw new SendError(`Unknown peer "${name}"; known peers: ${known || "none (set PEERS)"}`);
  }

  #check(message: string): void {
    if (message.trim() === "") throw new SendError("The message is empty");
    const size = byteLength(message);
    if (size > this.#o.maxMessageBytes) {
      throw new SendError(
        `The message is ${size} bytes, over the limit of ${this.#o.maxMessageBytes}: split it`,
      );
    }
  }

  #envelope(to: string, message: string, id: string, replyTo?: string): Envelope {
    const e: Envelope = {
      message_id: id,
      from: this.#o.role,
      to,
      message,
      sent_at: (this.#o.now?.() ?? new Date()).toISOString(),
    };
    if (replyTo) e.reply_to = replyTo;
    return e;
  }

  #attempt(peer: Peer, envelope: Envelope): Promise<DeliveryOutcome> {
    return this.#o.transport.deliver(peer, envelope);
  }

  /** Loop guard: undefined when sending to `peer` is allowed now, else why not. */
  #guarded(peer: Peer): string | undefined {
    const taken = this.#guard?.take(peer.name, (this.#o.now?.() ?? new Date()).getTime());
    if (!taken || taken.ok) return undefined;
    return `Loop guard: already ${this.#o.sendLimitPerMinute} messages to "${peer.name}" in ` +
      `the last minute. Two sessions answering each other is the usual cause: do not reply to ` +
      `acknowledgements. Sending to "${peer.name}" is allowed again in ` +
      `${taken.retryAfterSeconds} s`;
  }

  #queue(
    peer: Peer,
    envelope: Envelope,
    reason: string,
    failure?: { reason: string; retryAfterMs?: number },
  ): SendOutcome {
    const queued = this.#outbox.enqueue(peer, envelope, failure);
    if (!queued.ok) return { status: "refused", reason: `${reason}, and ${queued.reason}` };
    return {
      status: "queued",
      reason,
      ahead: queued.ahead,
      retryWindowMs: this.#outbox.retryWindowMs,
    };
  }

  async #deliver(peer: Peer, envelope: Envelope): Promise<SendResult> {
    const waiting = this.#outbox.stats(peer.name);
    // Messages to one peer stay in order: behind a queue, a new one waits its turn.
    if (waiting.queued > 0) {
      const reason = `${waiting.queued} earlier message(s) are still queued` +
        (waiting.lastError ? ` (${waiting.lastError})` : "");
      return { peer, envelope, outcome: this.#queue(peer, envelope, reason) };
    }
    this.#inFlight.set(peer.name, (this.#inFlight.get(peer.name) ?? 0) + 1);
    const o = await this.#attempt(peer, envelope)
      .finally(() => this.#inFlight.set(peer.name, this.#inFlight.get(peer.name)! - 1));
    if (o.ok) {
      this.#o.hub.publish("send", envelope);
      const { latencyMs, reason } = o;
      return { peer, envelope, outcome: { status: "delivered", latencyMs, reason } };
    }
    if (o.kind === "stored") {
      return { peer, envelope, outcome: { status: "stored", reason: o.reason } };
    }
    if (o.retryable) {
      return { peer, envelope, outcome: this.#queue(peer, envelope, o.reason, o) };
    }
    return {
      peer,
      envelope,
      outcome: {
        status: "refused",
        reason: o.reason,
        httpStatus: o.status,
        unauthorized: o.kind === "unauthorized",
      },
    };
  }

  /**
   * Sends one message to one peer.
   *
   * @throws {SendError} for an unknown peer, an empty or oversized message, or when the loop
   *   guard holds messages to this peer back.
   */
  send(to: string | undefined, message: string, replyTo?: string): Promise<SendResult> {
    const peer = this.resolve(to);
    this.#check(message);
    const guarded = this.#guarded(peer);
    if (guarded) throw new SendError(guarded);
    return this.#deliver(peer, this.#envelope(peer.name, message, newMessageId(), replyTo));
  }

  /**
   * Sends one message to every peer not in `exclude`, in parallel; all copies share one
   * message id. On a transport that knows presence, only the peers online now: a broadcast is
   * for who is here, a direct message may wait.
   *
   * @throws {SendError} when the transport cannot send now, for an unknown name in `exclude`,
   *   no recipients left, or a bad message.
   */
  broadcast(message: string, exclude: string[] = []): Promise<SendResult[]> {
    const status = this.#o.transport.status();
    if (status.problem) throw new SendError(`Cannot send: ${status.problem}`);
    for (const name of exclude) if (name !== this.#o.role) this.resolve(name);
    this.#check(message);
    const online = status.online && new Set(status.online);
    const targets = this.peers.filter((p) =>
      !exclude.includes(p.name) && (!online || online.has(p.name))
    );
    if (targets.length === 0) {
      throw new SendError(
        online
          ? `No other session is online in ${status.scope} to broadcast to`
          : "No peers left to send to after exclude",
      );
    }
    const id = newMessageId();
    return Promise.all(targets.map((p) => {
      const envelope = this.#envelope(p.name, message, id);
      const guarded = this.#guarded(p);
      if (guarded) {
        const outcome = { status: "refused", reason: guarded, local: true } as const;
        return { peer: p, envelope, outcome };
      }
      return this.#deliver(p, envelope);
    }));
  }

  /** Probes every peer in parallel. */
  probeAll(): Promise<{ peer: Peer; outcome: ProbeOutcome }[]> {
    return Promise.all(
      this.peers.map(async (peer) => ({ peer, outcome: await this.#o.transport.probe(peer) })),
    );
  }
}
