/**
 * The receiver's memory of what it handed to its session: per sender, each `message_id` with a
 * digest of its text. A retry of a delivered message is a duplicate (acknowledged, not shown
 * twice); the same id from the same sender with other text is a conflict (HTTP 409); the same id
 * from another sender is a different message. The node's store keeps it (`store/ids.ts`), so a
 * restart does not forget; these are its shape and the digest.
 *
 * @module
 */

import { createHash } from "node:crypto";

/** What an incoming message is, measured against what was delivered. */
export type DeliveryCheck = "fresh" | "duplicate" | "conflict";

/** One remembered delivery, as persisted. */
export interface DeliveredEntry {
  /** `<from> <message_id>`. */
  key: string;
  /** {@linkcode textDigest} of the text. */
  digest: string;
  /** When it is forgotten, in Unix milliseconds. */
  expiresAt: number;
}

/** A short digest of a message text (SHA-256, 24 hex digits). */
export function textDigest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 24);
}

/** Deliveries remembered for a while, keyed by sender and id; times in Unix milliseconds. */
export interface DeliveredIds {
  /** What the message `id` from `from` with text digest `digest` is, at `nowMs`. */
  check(from: string, id: string, digest: string, nowMs: number): DeliveryCheck;
  /** Remembers a delivery made at `nowMs` (written before the acknowledgement). */
  add(from: string, id: string, digest: string, nowMs: number): DeliveredEntry;
  /** Forgets a delivery that did not happen after all (the session refused it). */
  forget(from: string, id: string): void;
}
