/**
 * The hook path into a session: Claude Code runs `claude-talkie-walkie hook` as an
 * `asyncRewake` hook, that waiter asks this node for the next messages, prints them on stderr and
 * exits 2, and Claude Code gives the model a turn with that text (claude-channels §8). Once a
 * waiter has attached, every message of this session goes this way (held for the next waiter),
 * not also as a channel event: each message reaches the model once.
 *
 * One live waiter per node (a newer one supersedes the older). Messages that wait together go
 * out in one wake, oldest first. A waiter that took messages confirms once it printed them; an
 * unconfirmed claim goes back to the front of the queue, so a waiter that dies loses nothing.
 * Confirmed messages are in the model's context: they are marked read and reported `seen`.
 *
 * @module
 */

import type { Envelope } from "../core/envelope.ts";
import { channelBlock } from "../core/channel_block.ts";
import { messageEvent, type SessionDelivery } from "./channel.ts";

/** What a waiter's request ends with. */
export type WaitResult =
  | { kind: "messages"; claim: string; text: string; count: number }
  | { kind: "superseded" | "closed" };

interface Item {
  envelope: Envelope;
  operator: boolean;
}

/** Options of {@linkcode Waiters}. */
export interface WaitersOptions {
  /** Keeps a message in the inbox before anyone is told; false when it cannot (a full disk). */
  keep: (envelope: Envelope, operator: boolean) => boolean;
  /** Messages a waiter printed and confirmed: now in the model's context. */
  onSeen: (envelopes: Envelope[]) => void;
  /** How long a claim waits for its confirmation before it goes back, in ms (default 10 000). */
  confirmMs?: number;
  /** Messages arriving within this many ms of one another go out in one wake (default 100). */
  foldMs?: number;
  /** Most messages in one wake (default 50); the rest wait for the next waiter. */
  maxBatch?: number;
}

/** The waiters of one node's session. */
export class Waiters {
  #o: Required<WaitersOptions>;
  #queue: Item[] = [];
  #current?: { session: string; resolve: (r: WaitResult) => void };
  #claims = new Map<string, { items: Item[]; timer: ReturnType<typeof setTimeout> }>();
  #fold?: ReturnType<typeof setTimeout>;
  #attached = false;
  #closed = false;
  #session?: string;
  #next = 0;

  /** Makes the waiters of a session no waiter has attached to yet. */
  constructor(options: WaitersOptions) {
    this.#o = { confirmMs: 10_000, foldMs: 100, maxBatch: 50, ...options };
  }

  /** Whether a waiter has attached since the node started: messages then go this way. */
  get attached(): boolean {
    return this.#attached;
  }

  /** Whether a waiter is waiting now. */
  get waiting(): boolean {
    return this.#current !== undefined;
  }

  /** The `session_id` of the last waiter, if any. */
  get session(): string | undefined {
    return this.#session;
  }

  /** Messages held for the next waiter (claimed and unconfirmed ones included). */
  get pending(): number {
    let n = this.#queue.length;
    for (const c of this.#claims.values()) n += c.items.length;
    return n;
  }

  /**
   * Takes a message for the waiters: kept in the inbox, then held until a waiter takes it.
   *
   * @returns `delivered` (taken), `no_space` (the inbox cannot keep it) or `gone` (closed).
   */
  deliver(envelope: Envelope, operator = false): SessionDelivery {
    if (this.#closed) return "gone";
    if (!this.#o.keep(envelope, operator)) return "no_space";
    this.#queue.push({ envelope, operator });
    if (this.#current) this.#fold ??= setTimeout(() => this.#hand(), this.#o.foldMs);
    return "delivered";
  }

  /**
   * A waiter of session `session` attaches: the one before it (if any) ends `superseded`. The
   * result comes when messages are there (at once when some wait), or when a newer waiter or
   * the end of the node ends it. `cancel` detaches it (its connection closed).
   */
  wait(session: string): { result: Promise<WaitResult>; cancel: () => void } {
    if (this.#closed) return { result: Promise.resolve({ kind: "closed" }), cancel: () => {} };
    this.#attached = true;
    this.#session = session;
    this.#end({ kind: "superseded" });
    let resolve!: (r: WaitResult) => void;
    const result = new Promise<WaitResult>((r) => resolve = r);
    const me = { session, resolve };
    this.#current = me;
    if (this.#queue.length > 0) this.#hand();
    const cancel = () => {
      if (this.#current === me) this.#end({ kind: "closed" });
    };
    return { result, cancel };
  }

  /**
   * The waiter printed claim `claim`: its messages are in the model's context.
   *
   * @returns false when the claim is unknown (it expired and went back, or was confirmed).
   */
  confirm(claim: string): boolean {
    const c = this.#claims.get(claim);
    if (!c) return false;
    clearTimeout(c.timer);
    this.#claims.delete(claim);
    this.#o.onSeen(c.items.map((i) => i.envelope));
    return true;
  }

  /** The node ends: the waiter ends `closed`, claims are dropped (the inbox has them). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#fold);
    for (const c of this.#claims.values()) clearTimeout(c.timer);
    this.#claims.clear();
    this.#end({ kind: "closed" });
  }

  #end(result: WaitResult): void {
    const current = this.#current;
    this.#current = undefined;
    current?.resolve(result);
  }

  #hand(): void {
    clearTimeout(this.#fold);
    this.#fold = undefined;
    if (!this.#current || this.#queue.length === 0) return;
    const items = this.#queue.splice(0, this.#o.maxBatch);
    const claim = `c${++this.#next}-${Date.now().toString(36)}`;
    const timer = setTimeout(() => {
      // Not confirmed: the waiter died before printing. Back to the front, in order.
      this.#claims.delete(claim);
      this.#queue.unshift(...items);
      if (this.#current) this.#hand();
    }, this.#o.confirmMs);
    this.#claims.set(claim, { items, timer });
    const text = items.map((i) => channelBlock(messageEvent(i.envelope, i.operator))).join("\n");
    this.#end({ kind: "messages", claim, text, count: items.length });
  }
}
