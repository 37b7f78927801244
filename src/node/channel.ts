/**
 * The session side of a node: each received message becomes one `notifications/claude/channel`
 * event, and delivery reports that end together become one event. Until the client has sent
 * `notifications/initialized` events are held (bounded) and flushed in order afterwards, and the
 * sender is told "held", never "delivered".
 *
 * Contract: Claude Code's Channels reference (meta keys are identifiers, values are strings).
 *
 * @module
 */

import { byteLength, channelMeta, type Envelope, sessionText } from "../core/envelope.ts";
import * as z from "zod";
import type { DeliveryReport } from "./outbox.ts";
import type { Inbox } from "./inbox.ts";

/** The JSON-RPC method of a channel event. */
export const CHANNEL_METHOD = "notifications/claude/channel";

/**
 * The strict schema of a channel event as Claude Code accepts it (a string `content`; `meta`
 * flat, string to string): clients such as the demo and the tests register their handler with
 * it, so an event that Claude Code would drop never reaches them either.
 */
export const ChannelEventSchema: z.ZodObject<{
  method: z.ZodLiteral<"notifications/claude/channel">;
  params: z.ZodObject<{
    content: z.ZodString;
    meta: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodString>>;
  }>;
}> = z.object({
  method: z.literal(CHANNEL_METHOD),
  params: z.object({ content: z.string(), meta: z.record(z.string(), z.string()).optional() }),
});

/** The params of one channel event. */
export interface ChannelEvent {
  /** The text Claude reads. */
  content: string;
  /** Flat string-to-string attributes of the `<channel>` tag. */
  meta: Record<string, string>;
}

/**
 * What became of a message handed to the session: `delivered`, `held` (kept until the session
 * initializes), `not_ready` (not initialized, and the sender asked not to hold it), `full` (too
 * much held already), `no_space` (the inbox cannot keep it: a full disk) or `gone` (the
 * session ended).
 */
export type SessionDelivery = "delivered" | "held" | "not_ready" | "full" | "no_space" | "gone";

/** Options of {@linkcode Channel}. */
export interface ChannelOptions {
  /** Sends one event to the client; rejects when it cannot be written. */
  send: (event: ChannelEvent) => Promise<void>;
  /** Words of a delivery report (one line per report). */
  describeReport: (report: DeliveryReport) => string;
  /** Most events held before the client initialized (default 1 000). */
  maxHeld?: number;
  /** Most bytes of text held before the client initialized (default 16 MiB). */
  maxHeldBytes?: number;
  /** Reports ending within this many milliseconds are folded into one event (default 250). */
  foldMs?: number;
  /** Where every message handed to the session is also kept, committed before its sender hears it was taken. */
  inbox: Inbox;
}

/**
 * The event of one received message: text neutralised, routing facts in meta. A message from
 * the human operator (its signature checked by the caller) also carries `operator="true"`, a
 * key that {@linkcode channelMeta} never gives a peer.
 */
export function messageEvent(envelope: Envelope, operator = false): ChannelEvent {
  const meta = channelMeta(envelope);
  return {
    content: sessionText(envelope.message),
    meta: operator ? { ...meta, operator: "true" } : meta,
  };
}

/**
 * One event for reports that ended together: a single report keeps its own meta; several carry
 * `count`, `message_ids` (comma-separated) and the common `peer` and `outcome` (or `mixed`).
 */
export function reportEvent(
  reports: readonly DeliveryReport[],
  describe: (report: DeliveryReport) => string,
): ChannelEvent {
  const one = reports.length === 1 ? reports[0] : undefined;
  const common = (pick: (r: DeliveryReport) => string, mixed: string) =>
    reports.every((r) => pick(r) === pick(reports[0])) ? pick(reports[0]) : mixed;
  const meta: Record<string, string> = one
    ? {
      kind: "delivery_report",
      message_id: one.message_id,
      peer: one.peer,
      outcome: one.outcome,
      attempts: String(one.attempts),
    }
    : {
      kind: "delivery_report",
      count: String(reports.length),
      message_ids: reports.map((r) => r.message_id).join(","),
      peer: common((r) => r.peer, "several"),
      outcome: common((r) => r.outcome, "mixed"),
    };
  const content = one ? describe(one) : `News of ${reports.length} of your messages:\n` +
    reports.map((r) => `- ${describe(r)}`).join("\n");
  return { content: sessionText(content), meta };
}

/** The channel side of one MCP session. */
export class Channel {
  #o: Required<ChannelOptions>;
  /** Every message handed to the session, for `read_messages`. */
  readonly inbox: Inbox;
  #ready = false;
  #gone = false;
  #held: ChannelEvent[] = [];
  #heldBytes = 0;
  #reports: DeliveryReport[] = [];
  #foldTimer?: ReturnType<typeof setTimeout>;

  /** Makes the channel of a session that has not initialized yet. */
  constructor(options: ChannelOptions) {
    this.#o = {
      maxHeld: 1_000,
      maxHeldBytes: 16 * 1024 * 1024,
      foldMs: 250,
      ...options,
    };
    this.inbox = this.#o.inbox;
  }

  /** Whether the client has initialized and the session is still there. */
  get ready(): boolean {
    return this.#ready && !this.#gone;
  }

  /** The client sent `notifications/initialized`: flush what was held, in order. */
  markReady(): void {
    this.#ready = true;
    const held = this.#held.splice(0);
    this.#heldBytes = 0;
    for (const event of held) this.#send(event);
  }

  /** The session is gone for good (stdout closed): nothing more is accepted. */
  markGone(): void {
    this.#gone = true;
  }

  /**
   * Hands a received message to the session.
   *
   * @param hold whether to keep it when the session has not initialized (default true); a
   *   sender that retries (a signed request) is better told `not_ready`.
   * @returns `delivered` when an initialized session was sent the event; `held` when it is kept
   *   for a session that has not initialized; `not_ready` when not held; `full` when too much is
   *   held; `no_space` when the inbox cannot keep it; `gone` after {@linkcode markGone} or a
   *   failed write.
   * @param operator whether it is a signed message of the human operator (marked in meta).
   */
  async deliver(envelope: Envelope, hold = true, operator = false): Promise<SessionDelivery> {
    if (this.#gone) return "gone";
    const event = messageEvent(envelope, operator);
    if (this.#ready) return await this.#tell(envelope, event, operator);
    const bytes = byteLength(event.content);
    if (!hold) return "not_ready";
    if (this.#held.length >= this.#o.maxHeld || this.#heldBytes + bytes > this.#o.maxHeldBytes) {
      return "full";
    }
    // Kept before it is held: what a sender hears was taken is never lost.
    const kept = this.#keep(envelope, operator);
    if (!kept || !(await kept.then(() => true, () => false))) return "no_space";
    // Asked again after the wait: the session may have initialized meanwhile.
    if (this.#ready) {
      this.#send(event);
      return "delivered";
    }
    this.#held.push(event);
    this.#heldBytes += bytes;
    return "held";
  }

  /**
   * Hands a message to an initialized session: its row joins the inbox's open transaction, the
   * event is written at once (the session does not wait for the disk), and "delivered" is said
   * once the row is committed. A commit that fails after the event went out (a disk filling up
   * in that instant) makes the sender retry, so the session may hear that message twice: at
   * least once, never lost.
   */
  async #tell(
    envelope: Envelope,
    event: ChannelEvent,
    operator: boolean,
  ): Promise<SessionDelivery> {
    const kept = this.#keep(envelope, operator);
    if (!kept) return "no_space";
    const told = this.#o.send(event).then(() => true, () => false);
    if (!(await kept.then(() => true, () => false))) return "no_space";
    if (await told) return "delivered";
    this.#gone = true;
    return "gone";
  }

  /**
   * Adds the message to the inbox, in the transaction of the messages of this turn of the event
   * loop (an inbox that batches its writes).
   *
   * @returns the commit to wait for, or undefined when it could not even be added.
   */
  #keep(envelope: Envelope, operator: boolean): Promise<void> | undefined {
    try {
      const kept = this.inbox.batch?.() ?? Promise.resolve();
      this.inbox.add(envelope, Date.now(), operator);
      return kept;
    } catch {
      return undefined;
    }
  }

  /** Queues a delivery report; reports that end within `foldMs` become one event. */
  report(report: DeliveryReport): void {
    this.#reports.push(report);
    this.#foldTimer ??= setTimeout(() => {
      this.#foldTimer = undefined;
      const reports = this.#reports.splice(0);
      this.#emit(reportEvent(reports, this.#o.describeReport));
    }, this.#o.foldMs);
  }

  /** Stops the fold timer; reports not yet sent are dropped with the session. */
  close(): void {
    clearTimeout(this.#foldTimer);
    this.#foldTimer = undefined;
  }

  #emit(event: ChannelEvent): void {
    if (this.#gone) return;
    if (this.#ready) this.#send(event);
    else this.#held.push(event);
  }

  #send(event: ChannelEvent): void {
    this.#o.send(event).catch(() => this.#gone = true);
  }
}
