/**
 * Sending side of a node: addresses a message, delivers it to one peer or many (queueing it in
 * the outbox when the peer is away), and publishes a `send` event on the hub for each peer that
 * accepted it.
 *
 * @module
 */

import type { Peer } from "./transport.ts";
import { Outbox, type ResumedMessage } from "./outbox.ts";
import { WindowLimiter } from "../core/rate_limit.ts";
import { PingPong } from "../core/ping_pong.ts";
import { groupReceipts, type Receipt, SentLog } from "./receipts.ts";
import { LoopError, SendError, type SendOutcome, type SendResult } from "./send_result.ts";
import { resolvePeer } from "./resolve.ts";
import type { MessengerOptions } from "./messenger_options.ts";
import type { TransportStatus } from "./transport.ts";
import type { DeliveryOutcome, ProbeOutcome } from "../core/outcome.ts";
import { byteLength, type Envelope, newMessageId, wellFormed } from "../core/envelope.ts";

export { LoopError, SendError, type SendOutcome, type SendResult } from "./send_result.ts";
export type { MessengerOptions };

/** Delivers messages to peers. */
export class Messenger {
  #o: MessengerOptions;
  #outbox: Outbox;
  #guard?: WindowLimiter;
  #pingPong: PingPong;
  #sent = new SentLog();
  /** First attempts on the wire, per peer (the outbox counts the rest). */
  #inFlight = new Map<string, number>();
  /** Per peer, the end of the last first attempt: the next one starts after it. */
  #tails = new Map<string, Promise<void>>();

  /** Makes a messenger that sends over `options.transport`. */
  constructor(options: MessengerOptions) {
    this.#o = options;
    this.#pingPong = options.pingPong ?? new PingPong();
    // What was delivered, so a receipt can be matched to the peer each message went to.
    options.hub.subscribe(
      (r) => this.#sent.delivered(r.envelope.message_id, r.envelope.to, this.#now()),
      ["send"],
    );
    // What peers say counts towards a loop as much as what we say.
    options.hub.subscribe((r) => this.#pingPong.record(r.envelope.from, "in", this.#now()), [
      "recv",
    ]);
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
      persistence: options.outboxPersistence,
    });
  }

  /**
   * Takes back the queue an earlier run of this node kept (see `outboxPersistence`) and starts
   * delivering it at once, in order per peer. A peer is addressed as the transport knows it now
   * (an auto port may have moved), else as it was when the message was queued.
   */
  resume(queued: readonly ResumedMessage[]): void {
    const now = new Map(this.peers.map((p) => [p.name, p]));
    this.#outbox.resume(queued.map((m) => ({ ...m, peer: now.get(m.peer.name) ?? m.peer })));
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
   * @throws {SendError} as {@linkcode resolvePeer}.
   */
  resolve(to: string | undefined): Peer {
    return resolvePeer(to, this.peers, this.#o.role, this.#o.transport.status());
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
      message: wellFormed(message),
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
    if (!queued.ok) {
      return { status: "refused", reason: `${reason}, and ${queued.reason}`, local: true };
    }
    return {
      status: "queued",
      reason,
      ahead: queued.ahead,
      retryWindowMs: this.#outbox.retryWindowMs,
    };
  }

  /**
   * Delivers in order per peer: a first attempt still on the wire is the head of that peer's
   * queue, so a later message waits for it (and queues behind it if it failed).
   */
  #deliver(peer: Peer, envelope: Envelope): Promise<SendResult> {
    const before = this.#tails.get(peer.name);
    // With nothing ahead, the attempt starts now rather than after the microtasks queued before.
    const result =
      (before
        ? before.then(() => this.#deliverNow(peer, envelope))
        : this.#deliverNow(peer, envelope))
        .then((r) => {
          // Watchers (the viewer) see every outcome, not only deliveries: queued, refused, …
          const { status } = r.outcome;
          const reason = "reason" in r.outcome ? r.outcome.reason : undefined;
          this.#o.hub.notice("outcome", { envelope, peer: peer.name, status, reason });
          return r;
        });
    const tail = result.then(() => {}, () => {});
    this.#tails.set(peer.name, tail);
    tail.then(() => {
      if (this.#tails.get(peer.name) === tail) this.#tails.delete(peer.name);
    });
    return result;
  }

  async #deliverNow(peer: Peer, envelope: Envelope): Promise<SendResult> {
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
    if (o.kind === "stored" || o.kind === "held") {
      return { peer, envelope, outcome: { status: o.kind, reason: o.reason } };
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
   * @param options.userApproved a human said the conversation may go on: lifts a loop.
   * @throws {LoopError} when this session and the peer answer each other in a loop.
   * @throws {SendError} for an unknown peer, an empty or oversized message, or when the loop
   *   guard holds messages to this peer back.
   */
  send(
    to: string | undefined,
    message: string,
    replyTo?: string,
    options: { userApproved?: boolean } = {},
  ): Promise<SendResult> {
    const peer = this.resolve(to);
    this.#check(message);
    if (options.userApproved) this.#pingPong.lift(peer.name);
    const loop = this.#pingPong.loop(peer.name, this.#now());
    if (loop) throw new LoopError(peer.name, loop);
    const guarded = this.#guarded(peer);
    if (guarded) throw new SendError(guarded);
    this.#pingPong.record(peer.name, "out", this.#now());
    return this.#deliver(peer, this.#envelope(peer.name, message, newMessageId(), replyTo));
  }

  /**
   * A peer's receipt: reports each message it read that this node delivered to it.
   *
   * @returns how many of its ids were taken (others were not sent to that peer, or read before).
   */
  takeReceipt(receipt: Receipt): number {
    const read = this.#sent.read(receipt, this.#now());
    for (const id of read) {
      this.#o.hub.report({
        message_id: id,
        peer: receipt.from,
        outcome: receipt.seen ? "seen" : "read",
        attempts: 1,
        queuedMs: 0,
      });
    }
    return read.length;
  }

  /**
   * Tells the nodes of `messages`' senders that this session read them (one receipt per peer;
   * senders that are not peers, such as webhooks, get none). Off with `readReceipts: false`.
   */
  sendReceipts(messages: readonly { from: string; message_id: string }[], seen = false): void {
    if (this.#o.readReceipts === false || !this.#o.transport.receipt) return;
    const readAt = new Date(this.#now()).toISOString();
    for (const { peer: name, receipt } of groupReceipts(messages, this.#o.role, readAt, seen)) {
      const peer = this.peers.find((p) => p.name === name);
      if (peer) this.#o.transport.receipt(peer, receipt).catch(() => {});
    }
  }

  /** Messages to `peer` that its model has in context (`seen` receipts). */
  seenBy(peer: string): number {
    return this.#sent.seenCount(peer);
  }

  /** Delivered messages to `peer` that were not read within `ageMs`. */
  unreadAt(peer: string, ageMs: number): number {
    return this.#sent.unread(peer, this.#now() - ageMs);
  }

  /** A human said the conversation with `peer` may go on. */
  liftLoop(peer: string): void {
    this.#pingPong.lift(peer);
  }

  #now(): number {
    return (this.#o.now?.() ?? new Date()).getTime();
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
