/**
 * The outbox's rows in the database: a queued message is committed before the session is told
 * "queued", so a node that is killed and starts again resumes its queue, in order per peer,
 * within the message's original retry window.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { byteLength, type Envelope } from "../core/envelope.ts";

/** A peer as the outbox keeps it: its role and the address it was queued for. */
export interface StoredPeer {
  /** The role. */
  name: string;
  /** The address (a URL, `nats:<subject>`) and its flags, as the transport gave them. */
  [field: string]: unknown;
}

/** One queued message, as the database keeps it. */
export interface QueuedRow {
  /** Its row, in queue order over all peers. */
  id: number;
  /** The peer it goes to. */
  peer: StoredPeer;
  /** The message, as it will be sent. */
  envelope: Envelope;
  /** When it was first queued, in Unix milliseconds. */
  queuedAt: number;
  /** Delivery attempts made so far. */
  attempts: number;
}

/**
 * Queued messages kept in `db`.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./open.ts";
 * const { db } = openDatabase(":memory:");
 * const outbox = new StoredOutbox(db);
 * const envelope = { message_id: "msg_1", from: "a", to: "b", message: "hi", sent_at: "" };
 * const id = outbox.add({ name: "b", url: "http://b:8788" }, envelope, Date.now(), 1);
 * outbox.all().length; // 1
 * outbox.remove(id);
 * db.close();
 * ```
 */
export class StoredOutbox {
  readonly #add: StatementSync;
  readonly #attempts: StatementSync;
  readonly #remove: StatementSync;
  readonly #all: StatementSync;

  /** The outbox kept in `db`. */
  constructor(db: DatabaseSync) {
    this.#add = db.prepare(
      "INSERT INTO outbox (peer, address, envelope, queued_at, attempts, bytes) " +
        "VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.#attempts = db.prepare("UPDATE outbox SET attempts = ? WHERE id = ?");
    this.#remove = db.prepare("DELETE FROM outbox WHERE id = ?");
    this.#all = db.prepare(
      "SELECT id, address, envelope, queued_at, attempts FROM outbox ORDER BY id",
    );
  }

  /**
   * Keeps a queued message; returns its row id.
   *
   * @throws SQLite's error when the disk is full (see `isFull`) or the database fails.
   */
  add(peer: StoredPeer, envelope: Envelope, queuedAt: number, attempts: number): number {
    const bytes = byteLength(envelope.message);
    const address = JSON.stringify(peer);
    return Number(
      this.#add.run(peer.name, address, JSON.stringify(envelope), queuedAt, attempts, bytes)
        .lastInsertRowid,
    );
  }

  /** Records the attempts made on row `id`. */
  attempted(id: number, attempts: number): void {
    this.#attempts.run(attempts, id);
  }

  /** Removes row `id` (delivered, refused, expired or handed to a broker). */
  remove(id: number): void {
    this.#remove.run(id);
  }

  /** Every queued message, in queue order. Rows that cannot be read are dropped. */
  all(): QueuedRow[] {
    const rows = this.#all.all() as {
      id: number;
      address: string;
      envelope: string;
      queued_at: number;
      attempts: number;
    }[];
    const out: QueuedRow[] = [];
    for (const r of rows) {
      try {
        out.push({
          id: Number(r.id),
          peer: JSON.parse(r.address) as StoredPeer,
          envelope: JSON.parse(r.envelope) as Envelope,
          queuedAt: Number(r.queued_at),
          attempts: Number(r.attempts),
        });
      } catch {
        this.remove(Number(r.id));
      }
    }
    return out;
  }
}
