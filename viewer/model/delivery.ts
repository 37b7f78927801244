/**
 * Delivery state of a message from its sender's side, per recipient: what the sender's node
 * said when it sent (`outcome`: delivered, queued, held, stored, refused) and how a queued or
 * stored message ended later (`delivery_report`: delivered, held, expired, refused, read).
 * Pure; used by {@linkcode update} in `state.ts`.
 *
 * @module
 */

import type { Envelope } from "../../src/core/envelope.ts";
import type { ChatLine } from "./state.ts";

/** What a sender's node answered for one send (the `/events` `outcome` event's `status`). */
export type SendStatus = "delivered" | "queued" | "held" | "stored" | "refused";

/** How a queued message ended (the `/events` `delivery_report` event's `outcome`). */
export type ReportOutcome = "delivered" | "held" | "expired" | "refused" | "read";

/** A message's state for one recipient, the latest that the sender's node told. */
export type DeliveryState = SendStatus | ReportOutcome;

/** The state of a message for one recipient. */
export interface DeliveryMark {
  /** The recipient's role. */
  peer: string;
  /** The latest state. */
  state: DeliveryState;
  /** Why (refused, expired, queued, stored), untrusted text from the node. */
  reason?: string;
  /** When the viewer learned it, ms. */
  at: number;
}

/** Every value of {@linkcode SendStatus}, to check input. */
export const SEND_STATUSES: readonly SendStatus[] = [
  "delivered",
  "queued",
  "held",
  "stored",
  "refused",
];

/** Every value of {@linkcode ReportOutcome}, to check input. */
export const REPORT_OUTCOMES: readonly ReportOutcome[] = [
  "delivered",
  "held",
  "expired",
  "refused",
  "read",
];

// A later fact never goes back: "read" beats "delivered", and an outcome that comes after its
// report (both are asynchronous) does not undo it.
const RANK: Record<DeliveryState, number> = {
  queued: 0,
  stored: 1,
  held: 2,
  delivered: 3,
  expired: 4,
  refused: 4,
  read: 5,
};

/**
 * The marks after one more fact about `peer`: replaces that peer's mark unless the mark it
 * has is further along (read after delivered stays read). Returns `marks` itself when nothing
 * changes.
 *
 * @example
 * ```ts
 * let marks = markDelivery([], { peer: "backend", state: "queued", at: 1 });
 * marks = markDelivery(marks, { peer: "backend", state: "delivered", at: 2 });
 * // [{ peer: "backend", state: "delivered", at: 2 }]
 * ```
 */
export function markDelivery(
  marks: readonly DeliveryMark[],
  mark: DeliveryMark,
): readonly DeliveryMark[] {
  const old = marks.find((m) => m.peer === mark.peer);
  if (!old) return [...marks, mark];
  if (RANK[old.state] > RANK[mark.state]) return marks;
  if (old.state === mark.state && old.reason === mark.reason) return marks;
  return marks.map((m) => m === old ? mark : m);
}

/**
 * The feed with `mark` recorded on the line of message `id`; `chat` itself when the feed no
 * longer has that line or the mark changes nothing.
 */
export function markLine(
  chat: readonly ChatLine[],
  id: string,
  mark: DeliveryMark,
): readonly ChatLine[] {
  const line = chat.find((l) => l.id === id);
  if (!line) return chat;
  const delivery = markDelivery(line.delivery ?? [], mark);
  return delivery === line.delivery ? chat : chat.map((l) => l === line ? { ...l, delivery } : l);
}

/** Viewer events about delivery, from the sender's node (`node`). */
export type DeliveryEvent =
  | {
    /** How one send ended for now (every send, not only deliveries). */
    type: "outcome";
    node: string;
    envelope: Envelope;
    peer: string;
    status: SendStatus;
    reason?: string;
  }
  | {
    /** How a queued or stored message ended. */
    type: "delivery_report";
    node: string;
    messageId: string;
    peer: string;
    outcome: ReportOutcome;
    reason?: string;
  };
