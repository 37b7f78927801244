/**
 * The hub: an EventTarget that records every message this node delivered (`send`) or took in
 * (`recv`, published by the receive rules once the session has it or holds it), delivery
 * reports and notices, for whoever watches: `/events` streams, the broker's event subject, the
 * messenger's receipts and loop guard. The session gets messages from the receive rules
 * directly (`receive.ts` → `channel.ts`); the hub tells the watchers what happened.
 *
 * @module
 */

import type { DeliveryReport } from "./outbox.ts";
import type { Envelope } from "../core/envelope.ts";

/** Kinds of message events: `send` when a peer accepted our message, `recv` when one arrived. */
export type MessageKind = "send" | "recv";

/** A message event as the hub keeps it: a sequence number, a kind, the envelope. */
export interface HubRecord {
  /** 1, 2, 3… in dispatch order; the SSE `id:` field. */
  seq: number;
  /** `send`: this node delivered it; `recv`: this node received it. */
  kind: MessageKind;
  /** The message. */
  envelope: Envelope;
}

/** The `CustomEvent` a hub dispatches; `type` is the record's kind. */
export type HubEvent = CustomEvent<HubRecord>;

/** A live fact for `/events` watchers that is not a message (see {@linkcode Hub.notice}). */
export interface Notice {
  /** The SSE event name, e.g. `status`. */
  event: string;
  /** Its JSON data. */
  data: Record<string, unknown>;
}

/** How many recent records a hub keeps for `Last-Event-ID` resumption. */
export const HISTORY_SIZE = 256;

/**
 * An EventTarget of `send` and `recv` events, with the last {@linkcode HISTORY_SIZE} records,
 * and of `delivery_report` events for queued messages that ended.
 *
 * @example
 * ```ts
 * const hub = new Hub();
 * const envelope = {
 *   message_id: "msg_1",
 *   from: "frontend",
 *   to: "backend",
 *   message: "hi",
 *   sent_at: new Date().toISOString(),
 * };
 * const off = hub.subscribe((r) => console.error(r.kind, r.envelope.message));
 * hub.publish("recv", envelope);
 * off();
 * ```
 */
export class Hub extends EventTarget {
  /**
   * Identifies this process's sequence: a client resuming with an id from before a restart
   * must not be told it missed nothing.
   */
  readonly boot: string = Array.from(
    crypto.getRandomValues(new Uint8Array(4)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  #seq = 0;
  #history: HubRecord[] = [];

  /** Records and dispatches one event; returns its record. */
  publish(kind: MessageKind, envelope: Envelope): HubRecord {
    const record: HubRecord = { seq: ++this.#seq, kind, envelope };
    this.#history.push(record);
    if (this.#history.length > HISTORY_SIZE) this.#history.shift();
    this.dispatchEvent(new CustomEvent(kind, { detail: record }));
    return record;
  }

  /**
   * Calls `listener` for every event of the given kinds (both by default).
   *
   * @returns a function that removes the listener.
   */
  subscribe(
    listener: (record: HubRecord) => void,
    kinds: readonly MessageKind[] = ["send", "recv"],
  ): () => void {
    const handler = (e: Event) => listener((e as HubEvent).detail);
    for (const k of kinds) this.addEventListener(k, handler);
    return () => {
      for (const k of kinds) this.removeEventListener(k, handler);
    };
  }

  /** Dispatches a delivery report (a queued message ended); not kept in the history. */
  report(report: DeliveryReport): void {
    this.dispatchEvent(new CustomEvent("delivery_report", { detail: report }));
  }

  /**
   * Calls `listener` for every delivery report.
   *
   * @returns a function that removes the listener.
   */
  onReport(listener: (report: DeliveryReport) => void): () => void {
    const handler = (e: Event) => listener((e as CustomEvent<DeliveryReport>).detail);
    this.addEventListener("delivery_report", handler);
    return () => this.removeEventListener("delivery_report", handler);
  }

  /**
   * Dispatches a notice for `/events` watchers: a session's status line (`status`), and other
   * live facts that are not messages. Not kept in the history.
   */
  notice(event: string, data: Record<string, unknown>): void {
    this.dispatchEvent(new CustomEvent("notice", { detail: { event, data } }));
  }

  /**
   * Calls `listener` for every notice.
   *
   * @returns a function that removes the listener.
   */
  onNotice(listener: (notice: Notice) => void): () => void {
    const handler = (e: Event) => listener((e as CustomEvent<Notice>).detail);
    this.addEventListener("notice", handler);
    return () => this.removeEventListener("notice", handler);
  }

  /** The last sequence number dispatched, 0 before the first. */
  get lastSeq(): number {
    return this.#seq;
  }

  /**
   * Records after `seq`, oldest first; `undefined` when some of them were already dropped
   * from the history (the caller must start over).
   */
  since(seq: number): HubRecord[] | undefined {
    // An id from the future belongs to another life of this node.
    if (seq > this.#seq) return undefined;
    if (seq === this.#seq) return [];
    const oldest = this.#history[0]?.seq ?? this.#seq + 1;
    if (seq + 1 < oldest) return undefined;
    return this.#history.filter((r) => r.seq > seq);
  }
}
