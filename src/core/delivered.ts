/**
 * The receiver's memory of what it handed to its session: per sender, each `message_id` with a
 * digest of its text. A retry of a delivered message is a duplicate (acknowledged, not shown
 * twice); the same id from the same sender with other text is a conflict (HTTP 409); the same id
 * from another sender is a different message. Pure: time comes in as an argument; the shell
 * persists {@linkcode DeliveredIds.entries} so a restart does not forget.
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

/** Options of {@linkcode DeliveredIds}. */
export interface DeliveredIdsOptions {
  /** How long a delivery is remembered, in milliseconds (longer than any sender retries). */
  ttlMs: number;
  /** Most deliveries remembered; past it the oldest is forgotten early. */
  maxSize: number;
}

/** A short digest of a message text (SHA-256, 24 hex digits). */
export function textDigest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 24);
}

/**
 * Deliveries of the last `ttlMs`, at most `maxSize`, keyed by sender and id.
 *
 * @example
 * ```ts
 * const seen = new DeliveredIds({ ttlMs: 900_000, maxSize: 20_000 });
 * const digest = textDigest("build failed");
 * seen.check("ci", "build-1", digest, Date.now()); // "fresh"
 * seen.add("ci", "build-1", digest, Date.now());
 * seen.check("ci", "build-1", textDigest("build passed"), Date.now()); // "conflict"
 * ```
 */
export class DeliveredIds {
  readonly #o: DeliveredIdsOptions;
  /** key → {digest, expiresAt}, in insertion order (so in order of expiry). */
  readonly #map = new Map<string, { digest: string; expiresAt: number }>();

  /** Makes an empty memory. */
  constructor(options: DeliveredIdsOptions) {
    this.#o = options;
  }

  /** How many deliveries are remembered. */
  get size(): number {
    return this.#map.size;
  }

  /** What the message `id` from `from` with text digest `digest` is, at `nowMs`. */
  check(from: string, id: string, digest: string, nowMs: number): DeliveryCheck {
    this.#prune(nowMs);
    const known = this.#map.get(`${from} ${id}`);
    if (!known) return "fresh";
    return known.digest === digest ? "duplicate" : "conflict";
  }

  /** Remembers a delivery made at `nowMs`. */
  add(from: string, id: string, digest: string, nowMs: number): DeliveredEntry {
    const key = `${from} ${id}`;
    const entry = { key, digest, expiresAt: nowMs + this.#o.ttlMs };
    this.#map.delete(key);
    this.#map.set(key, { digest, expiresAt: entry.expiresAt });
    if (this.#map.size > this.#o.maxSize) this.#map.delete(this.#map.keys().next().value!);
    return entry;
  }

  /** Forgets a delivery that did not happen after all (the session refused it). */
  forget(from: string, id: string): void {
    this.#map.delete(`${from} ${id}`);
  }

  /** Restores persisted deliveries that have not expired at `nowMs`. */
  load(entries: Iterable<DeliveredEntry>, nowMs: number): void {
    const live = [...entries].filter((e) => e.expiresAt > nowMs)
      .sort((a, b) => a.expiresAt - b.expiresAt).slice(-this.#o.maxSize);
    for (const e of live) {
      this.#map.delete(e.key);
      this.#map.set(e.key, { digest: e.digest, expiresAt: e.expiresAt });
    }
  }

  /** The deliveries remembered at `nowMs`, oldest first. */
  entries(nowMs: number): DeliveredEntry[] {
    this.#prune(nowMs);
    return [...this.#map].map(([key, v]) => ({ key, ...v }));
  }

  #prune(nowMs: number): void {
    for (const [key, v] of this.#map) {
      if (v.expiresAt > nowMs) return;
      this.#map.delete(key);
    }
  }
}
