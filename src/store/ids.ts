/**
 * Remembered ids in the database, each with an expiry time: what the session was handed
 * (`delivered`: sender and message id with a digest of the text), signed requests already
 * taken (`replay`, `operator`). Looked up by primary key and pruned by an expiry index, so a
 * check costs one indexed read however many ids are kept. Written before the acknowledgement,
 * so a node killed right after answering still knows the id when it starts again.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { DeliveredEntry, DeliveredIds, DeliveryCheck } from "../core/delivered.ts";
import type { SeenIds } from "../core/replay.ts";

/** One kind of remembered id: `delivered`, `replay` or `operator`. */
export type IdKind = "delivered" | "replay" | "operator";

/** The prepared statements of one kind of id. */
class Ids {
  readonly kind: IdKind;
  readonly ttlMs: number;
  readonly get: StatementSync;
  readonly put: StatementSync;
  readonly insert: StatementSync;
  readonly delete: StatementSync;

  constructor(db: DatabaseSync, kind: IdKind, ttlMs: number) {
    this.kind = kind;
    this.ttlMs = ttlMs;
    this.get = db.prepare("SELECT digest FROM ids WHERE kind = ? AND key = ? AND expires_at > ?");
    this.put = db.prepare(
      "INSERT OR REPLACE INTO ids (kind, key, digest, expires_at) VALUES (?, ?, ?, ?)",
    );
    // Inserts only a key that is absent or expired: one statement decides a replay.
    this.insert = db.prepare(
      `INSERT INTO ids (kind, key, digest, expires_at) VALUES (?, ?, '', ?)
       ON CONFLICT (kind, key) DO UPDATE SET expires_at = excluded.expires_at
       WHERE ids.expires_at <= ?`,
    );
    this.delete = db.prepare("DELETE FROM ids WHERE kind = ? AND key = ?");
  }
}

/**
 * What the session was handed, per sender and message id with a text digest
 * (`core/delivered.ts`'s `DeliveredIds`).
 *
 * @example
 * ```ts
 * import { openDatabase } from "./open.ts";
 * import { textDigest } from "../core/delivered.ts";
 * const { db } = openDatabase(":memory:");
 * const ids = new StoredDeliveredIds(db, 900_000);
 * ids.add("ci", "build-1", textDigest("build failed"), Date.now());
 * ids.check("ci", "build-1", textDigest("build passed"), Date.now()); // "conflict"
 * db.close();
 * ```
 */
export class StoredDeliveredIds implements DeliveredIds {
  readonly #ids: Ids;

  /** Deliveries in `db`, each remembered for `ttlMs` milliseconds. */
  constructor(db: DatabaseSync, ttlMs: number) {
    this.#ids = new Ids(db, "delivered", ttlMs);
  }

  /** What the message `id` from `from` with text digest `digest` is, at `nowMs`. */
  check(from: string, id: string, digest: string, nowMs: number): DeliveryCheck {
    const row = this.#ids.get.get(this.#ids.kind, `${from} ${id}`, nowMs) as
      | { digest: string }
      | undefined;
    if (!row) return "fresh";
    return row.digest === digest ? "duplicate" : "conflict";
  }

  /** Remembers a delivery made at `nowMs`. */
  add(from: string, id: string, digest: string, nowMs: number): DeliveredEntry {
    const entry = { key: `${from} ${id}`, digest, expiresAt: nowMs + this.#ids.ttlMs };
    this.#ids.put.run(this.#ids.kind, entry.key, digest, entry.expiresAt);
    return entry;
  }

  /** Forgets a delivery that did not happen after all (the session refused it). */
  forget(from: string, id: string): void {
    this.#ids.delete.run(this.#ids.kind, `${from} ${id}`);
  }

  /** Folds entries kept elsewhere (the delivered-id files of earlier versions) in. */
  load(entries: Iterable<DeliveredEntry>, nowMs: number): number {
    let n = 0;
    for (const e of entries) {
      if (e.expiresAt <= nowMs) continue;
      this.#ids.put.run(this.#ids.kind, e.key, e.digest, e.expiresAt);
      n++;
    }
    return n;
  }
}

/**
 * Ids of signed requests already taken (`replay`: webhook ids; `operator`: operator request
 * ids): `core/replay.ts`'s `SeenIds`.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./open.ts";
 * const { db } = openDatabase(":memory:");
 * const seen = new StoredSeenIds(db, "replay", 600_000);
 * seen.checkAndAdd("webhook-id:msg_1", Date.now()); // true: first time
 * seen.checkAndAdd("webhook-id:msg_1", Date.now()); // false: a replay
 * db.close();
 * ```
 */
export class StoredSeenIds implements SeenIds {
  readonly #ids: Ids;

  /** Ids of `kind` in `db`, each remembered for `ttlMs` milliseconds. */
  constructor(db: DatabaseSync, kind: "replay" | "operator", ttlMs: number) {
    this.#ids = new Ids(db, kind, ttlMs);
  }

  /** Whether `id` is remembered at `nowMs`. */
  has(id: string, nowMs: number): boolean {
    return this.#ids.get.get(this.#ids.kind, id, nowMs) !== undefined;
  }

  /** Remembers `id`; true when it was not remembered already (not a replay). */
  checkAndAdd(id: string, nowMs: number): boolean {
    const { insert, kind, ttlMs } = this.#ids;
    return Number(insert.run(kind, id, nowMs + ttlMs, nowMs).changes) > 0;
  }

  /** Forgets `id` (a request refused after its id was taken). */
  forget(id: string): void {
    this.#ids.delete.run(this.#ids.kind, id);
  }
}

/** Deletes the expired ids of every kind from `db`; returns how many. */
export function pruneIds(db: DatabaseSync, nowMs: number): number {
  return Number(db.prepare("DELETE FROM ids WHERE expires_at <= ?").run(nowMs).changes);
}
