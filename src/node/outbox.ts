/**
 * The outbox: messages a peer could not take yet (unreachable, timeout, 5xx, 429), kept per
 * peer and retried in order with exponential backoff and jitter until they are delivered,
 * refused or expire. With a {@linkcode OutboxPersistence} each queued message is written before
 * the caller hears "queued", and a node that starts again resumes its queue with
 * {@linkcode Outbox.resume}.
 *
 * @module
 */

import type { Peer } from "./transport.ts";
import type { DeliveryOutcome } from "../core/outcome.ts";
import { byteLength, type Envelope } from "../core/envelope.ts";

/** How a queued message ended. */
export type FinalOutcome = "delivered" | "held" | "expired" | "refused" | "read" | "seen";

/** Told to the sender's session when a queued message ends (`kind=delivery_report`). */
export interface DeliveryReport {
  /** The message it reports on. */
  message_id: string;
  /** The peer's role. */
  peer: string;
  /** How it ended. */
  outcome: FinalOutcome;
  /** Why it was refused or what the last error was before it expired. */
  reason?: string;
  /** Delivery attempts made. */
  attempts: number;
  /** Time spent queued, in milliseconds. */
  queuedMs: number;
}

/**
 * Where queued messages are kept across restarts (the node's store). Each call is synchronous,
 * so nothing is acknowledged before it is written.
 */
export interface OutboxPersistence {
  /**
   * Keeps a queued message; returns its key.
   *
   * @throws when it cannot be written (a full disk): the message is then not queued.
   */
  add(peer: Peer, envelope: Envelope, queuedAt: number, attempts: number): number;
  /** Records the attempts made on a kept message. */
  attempted(key: number, attempts: number): void;
  /** Forgets a kept message (it ended, or went to a broker). */
  remove(key: number): void;
}

/** A queued message of an earlier run, for {@linkcode Outbox.resume}. */
export interface ResumedMessage {
  /** Its key in the {@linkcode OutboxPersistence}. */
  key: number;
  /** The peer it goes to. */
  peer: Peer;
  /** The message. */
  envelope: Envelope;
  /** When it was first queued, in Unix milliseconds: its retry window runs from then. */
  queuedAt: number;
  /** Attempts made so far. */
  attempts: number;
}

/** Options for {@linkcode Outbox}. */
export interface OutboxOptions {
  /** Makes one delivery attempt. */
  attempt: (peer: Peer, envelope: Envelope) => Promise<DeliveryOutcome>;
  /** Called once for each queued message that ends. */
  onReport: (report: DeliveryReport) => void;
  /** Called when a queued message is delivered. */
  onDelivered?: (envelope: Envelope) => void;
  /** Where queued messages are kept across restarts (default: memory only). */
  persistence?: OutboxPersistence;
  /** How long a message is retried, in milliseconds (default 10 minutes). */
  retryWindowMs?: number;
  /** Bound on queued messages over all peers (default 1 000). */
  maxMessages?: number;
  /** Bound on queued message text over all peers, in bytes (default 16 MiB). */
  maxBytes?: number;
  /** First retry delay, in milliseconds (default 500); doubles up to `maxDelayMs`. */
  baseDelayMs?: number;
  /** Longest retry delay, in milliseconds (default 30 000). */
  maxDelayMs?: number;
  now?: () => number;
  random?: () => number;
  /**
   * Runs `run` once after `ms` milliseconds; returns a function that cancels it. `setTimeout`
   * by default; tests pass their own to drive time by hand.
   */
  schedule?: (run: () => void, ms: number) => () => void;
}

const scheduleTimeout = (run: () => void, ms: number) => {
  const timer = setTimeout(run, ms);
  return () => clearTimeout(timer);
};

interface Item {
  key?: number;
  envelope: Envelope;
  bytes: number;
  queuedAt: number;
  attempts: number;
}

interface PeerQueue {
  peer: Peer;
  items: Item[];
  failures: number;
  lastError?: string;
  /** Cancels the pending retry. */
  timer?: () => void;
  draining: boolean;
}

type Resolved =
  & Required<Omit<OutboxOptions, "onDelivered" | "persistence">>
  & Pick<OutboxOptions, "onDelivered" | "persistence">;

/** Result of {@linkcode Outbox.enqueue}. */
export type EnqueueResult = { ok: true; ahead: number } | { ok: false; reason: string };

/** Per-peer retry queues. Call {@linkcode Outbox.close} at shutdown. */
export class Outbox {
  #o: Resolved;
  #queues = new Map<string, PeerQueue>();
  #count = 0;
  #bytes = 0;
  #closed = false;

  constructor(options: OutboxOptions) {
    this.#o = {
      retryWindowMs: 600_000,
      maxMessages: 1_000,
      maxBytes: 16 * 1024 * 1024,
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      now: Date.now,
      random: Math.random,
      schedule: scheduleTimeout,
      // An option given as undefined keeps its default.
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    } as Resolved;
  }

  /** How long messages are retried, in milliseconds. */
  get retryWindowMs(): number {
    return this.#o.retryWindowMs;
  }

  /** Queue length and last error of one peer. */
  stats(peer: string): { queued: number; lastError?: string } {
    const q = this.#queues.get(peer);
    return { queued: q?.items.length ?? 0, lastError: q?.lastError };
  }

  /**
   * Queues a message after a failed attempt (or behind earlier ones, to keep order).
   *
   * @param failure the error of the attempt just made, if any, and the peer's `Retry-After`.
   * @returns how many messages are ahead of it, or why it was not queued (outbox full).
   */
  enqueue(
    peer: Peer,
    envelope: Envelope,
    failure?: { reason: string; retryAfterMs?: number },
  ): EnqueueResult {
    const bytes = byteLength(envelope.message);
    if (this.#closed) return { ok: false, reason: "the node is shutting down" };
    if (this.#count >= this.#o.maxMessages || this.#bytes + bytes > this.#o.maxBytes) {
      return {
        ok: false,
        reason: `the outbox is full (${this.#count} messages, ${this.#bytes} bytes queued ` +
          `for peers that are away): wait for them to come back or for queued messages to expire`,
      };
    }
    const item: Item = { envelope, bytes, queuedAt: this.#o.now(), attempts: failure ? 1 : 0 };
    try {
      item.key = this.#o.persistence?.add(peer, envelope, item.queuedAt, item.attempts);
    } catch (e) {
      return { ok: false, reason: `it cannot be kept on disk (${(e as Error).message})` };
    }
    const q = this.#queue(peer);
    q.items.push(item);
    this.#count++;
    this.#bytes += bytes;
    if (failure) {
      q.lastError = failure.reason;
      if (q.items.length === 1) q.failures = 1;
    }
    if (!q.timer && !q.draining) this.#schedule(q, failure?.retryAfterMs);
    return { ok: true, ahead: q.items.length - 1 };
  }

  /**
   * Takes back the queue of an earlier run (in order), and starts retrying at once. Each
   * message keeps its first queue time, so its retry window is not extended.
   */
  resume(messages: readonly ResumedMessage[]): void {
    const touched = new Set<PeerQueue>();
    for (const m of messages) {
      const q = this.#queue(m.peer);
      const bytes = byteLength(m.envelope.message);
      q.items.push({ ...m, bytes });
      this.#count++;
      this.#bytes += bytes;
      touched.add(q);
    }
    for (const q of touched) if (!q.timer && !q.draining) this.#schedule(q, 0, true);
  }

  #queue(peer: Peer): PeerQueue {
    let q = this.#queues.get(peer.name);
    if (!q) this.#queues.set(peer.name, q = { peer, items: [], failures: 0, draining: false });
    return q;
  }

  /** Stops retrying. Returns what was still queued, per peer, so the caller can log it. */
  close(): { peer: string; count: number }[] {
    this.#closed = true;
    const dropped = [];
    for (const q of this.#queues.values()) {
      q.timer?.();
      if (q.items.length) dropped.push({ peer: q.peer.name, count: q.items.length });
    }
    return dropped;
  }

  #delay(q: PeerQueue): number {
    const exp = Math.min(
      this.#o.maxDelayMs,
      this.#o.baseDelayMs * 2 ** Math.max(0, q.failures - 1),
    );
    return exp * (0.75 + this.#o.random() * 0.5);
  }

  #schedule(q: PeerQueue, atLeastMs = 0, now = false): void {
    const head = q.items[0];
    if (!head || this.#closed) return;
    const untilExpiry = head.queuedAt + this.#o.retryWindowMs - this.#o.now();
    const delay = now ? 0 : Math.max(this.#delay(q), atLeastMs);
    const wait = Math.max(0, Math.min(delay, untilExpiry));
    q.timer = this.#o.schedule(() => this.#drain(q), wait);
  }

  /** Removes the head; reports how it ended unless `outcome` is undefined (handed on). */
  #finish(q: PeerQueue, outcome: FinalOutcome | undefined, reason?: string): void {
    const item = q.items.shift()!;
    this.#count--;
    this.#bytes -= item.bytes;
    if (item.key !== undefined) this.#o.persistence?.remove(item.key);
    if (outcome === undefined) return;
    this.#o.onReport({
      message_id: item.envelope.message_id,
      peer: q.peer.name,
      outcome,
      reason,
      attempts: item.attempts,
      queuedMs: this.#o.now() - item.queuedAt,
    });
  }

  async #drain(q: PeerQueue): Promise<void> {
    q.timer = undefined;
    q.draining = true;
    try {
      while (q.items.length && !this.#closed) {
        const head = q.items[0];
        if (this.#o.now() - head.queuedAt >= this.#o.retryWindowMs) {
          this.#finish(q, "expired", q.lastError);
          continue;
        }
        head.attempts++;
        if (head.key !== undefined) this.#o.persistence?.attempted(head.key, head.attempts);
        const outcome = await this.#o.attempt(q.peer, head.envelope);
        if (this.#closed) return;
        if (outcome.ok) {
          q.failures = 0;
          q.lastError = undefined;
          this.#o.onDelivered?.(head.envelope);
          this.#finish(q, "delivered");
        } else if (outcome.kind === "held") {
          // The receiving node has it and hands it to its session when that connects.
          this.#finish(q, "held", outcome.reason);
        } else if (outcome.kind === "stored") {
          // A broker holds it now; the receiver's report will say how it ends.
          this.#finish(q, undefined);
        } else if (!outcome.retryable) {
          this.#finish(q, "refused", outcome.reason);
        } else {
          q.failures++;
          q.lastError = outcome.reason;
          this.#schedule(q, outcome.retryAfterMs);
          return;
        }
      }
    } finally {
      q.draining = false;
    }
  }
}
