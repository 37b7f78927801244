/**
 * The pins a node keeps: per role, the fingerprint of the node key it was first seen signing
 * with (`node/pins.ts` decides; this only reads and writes rows).
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Pin, PinStore } from "../node/pins.ts";

/**
 * Pins in the store's `pins` table.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./open.ts";
 * const { db } = openDatabase(":memory:");
 * const pins = new StoredPins(db);
 * pins.set("alpha", "SHA256:" + "A".repeat(43), Date.now());
 * pins.get("alpha")?.fingerprint;
 * db.close();
 * ```
 */
export class StoredPins implements PinStore {
  readonly #get: StatementSync;
  readonly #set: StatementSync;
  readonly #delete: StatementSync;
  readonly #all: StatementSync;

  constructor(db: DatabaseSync) {
    this.#get = db.prepare("SELECT fingerprint, pinned_at FROM pins WHERE role = ?");
    this.#set = db.prepare(
      "INSERT OR REPLACE INTO pins (role, fingerprint, pinned_at) VALUES (?, ?, ?)",
    );
    this.#delete = db.prepare("DELETE FROM pins WHERE role = ?");
    this.#all = db.prepare("SELECT role, fingerprint, pinned_at FROM pins ORDER BY role");
  }

  /** The pin of `role`, if any. */
  get(role: string): Pin | undefined {
    const row = this.#get.get(role) as { fingerprint: string; pinned_at: number } | undefined;
    return row && { role, fingerprint: row.fingerprint, pinnedAt: Number(row.pinned_at) };
  }

  /** Pins `role` to `fingerprint` (replacing any pin). */
  set(role: string, fingerprint: string, atMs: number): void {
    this.#set.run(role, fingerprint, atMs);
  }

  /** Removes the pin of `role`; returns whether there was one. */
  delete(role: string): boolean {
    return Number(this.#delete.run(role).changes) > 0;
  }

  /** Every pin, by role. */
  all(): Pin[] {
    return (this.#all.all() as { role: string; fingerprint: string; pinned_at: number }[])
      .map((r) => ({ role: r.role, fingerprint: r.fingerprint, pinnedAt: Number(r.pinned_at) }));
  }
}
