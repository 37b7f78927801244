/**
 * Operator request ids kept across restarts: a {@linkcode SeenIds} behind a file of one JSON
 * line per id (`{"id","expiresAt"}`), so a signed operator request that was taken before a
 * restart is still a replay after it. Like the delivered-id file: a synchronous append before
 * the request is acted on, compacted at start and whenever it doubles; only ids, never bodies.
 *
 * @module
 */

import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import process from "node:process";
import type { OnceIds, SeenEntry, SeenIds } from "../core/replay.ts";
import type { Logger } from "./log.ts";

/** `ids`, remembered in the file at `path`; a file that cannot be used costs a log line. */
export class UsedIdsFile implements OnceIds {
  #path: string;
  #ids: SeenIds;
  #log: Logger;
  #lines = 0;
  #broken = false;

  /** Loads what `path` holds into `ids` and compacts the file. */
  constructor(path: string, ids: SeenIds, log: Logger, nowMs: number = Date.now()) {
    this.#path = path;
    this.#ids = ids;
    this.#log = log;
    let text = "";
    try {
      text = readFileSync(path, "utf8");
    } catch { /* no file yet: no operator request was taken */ }
    const entries: SeenEntry[] = [];
    for (const line of text.split("\n")) {
      try {
        const e = JSON.parse(line);
        if (typeof e?.id === "string" && typeof e.expiresAt === "number") entries.push(e);
      } catch { /* a torn last line after a crash */ }
    }
    ids.load(entries, nowMs);
    if (text !== "") this.#compact(nowMs);
  }

  /** True when `id` is new (and is now written down), false when it was used before. */
  checkAndAdd(id: string, nowMs: number): boolean {
    if (!this.#ids.checkAndAdd(id, nowMs)) return false;
    if (this.#broken) return true;
    try {
      if (this.#lines === 0) mkdirSync(dirname(this.#path), { recursive: true, mode: 0o700 });
      const line = JSON.stringify({ id, expiresAt: nowMs + this.#ids.ttlMs });
      appendFileSync(this.#path, line + "\n", { mode: 0o600 });
      if (++this.#lines > 2 * Math.max(1_000, this.#ids.size)) this.#compact(nowMs);
    } catch (e) {
      this.#fail(e);
    }
    return true;
  }

  #compact(nowMs: number): void {
    try {
      mkdirSync(dirname(this.#path), { recursive: true, mode: 0o700 });
      const entries = this.#ids.entries(nowMs);
      const tmp = `${this.#path}.${process.pid}.tmp`;
      writeFileSync(tmp, entries.map((e) => JSON.stringify(e) + "\n").join(""), { mode: 0o600 });
      renameSync(tmp, this.#path);
      this.#lines = entries.length;
    } catch (e) {
      this.#fail(e);
    }
  }

  #fail(e: unknown): void {
    this.#broken = true;
    this.#log(
      `warning: cannot keep operator request ids in ${this.#path} (${(e as Error).message}): ` +
        "after a restart a signed operator request could be replayed within its 5 minutes",
    );
  }
}
