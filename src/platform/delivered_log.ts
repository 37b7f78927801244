/**
 * The file behind a receiver's {@linkcode DeliveredIds}: one JSON line per delivery, so a node
 * that restarts (Claude Code's `/mcp` reconnect does) still knows what its session already has
 * and a sender's retry after a lost acknowledgement is not shown twice. Only ids, senders and
 * text digests are written, never text: one short line appended per delivery (a synchronous
 * write, so the acknowledgement never runs ahead of the memory). Compacted at start and whenever
 * it doubles.
 *
 * @module
 */

import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { DeliveredEntry, DeliveredIds } from "../core/delivered.ts";
import process from "node:process";
import type { Logger } from "./log.ts";

/** Keeps `ids` in the file at `path`; a file that cannot be used costs a log line, not a node. */
export class DeliveredLog {
  #path: string;
  #ids: DeliveredIds;
  #log: Logger;
  #lines = 0;
  #broken = false;

  /** Loads what `path` holds into `ids` and compacts the file. */
  constructor(path: string, ids: DeliveredIds, log: Logger, nowMs: number = Date.now()) {
    this.#path = path;
    this.#ids = ids;
    this.#log = log;
    let text = "";
    try {
      text = readFileSync(path, "utf8");
    } catch { /* no file yet: nothing was delivered */ }
    const entries: DeliveredEntry[] = [];
    for (const line of text.split("\n")) {
      try {
        const e = JSON.parse(line);
        if (typeof e?.key === "string" && typeof e.digest === "string") entries.push(e);
      } catch { /* a torn last line after a crash */ }
    }
    ids.load(entries, nowMs);
    // Nothing to rewrite when the file held nothing: start-up writes no file of its own.
    if (text !== "") this.#compact(nowMs);
  }

  /** Appends one delivery. */
  add(entry: DeliveredEntry): void {
    if (this.#broken) return;
    try {
      if (this.#lines === 0) mkdirSync(dirname(this.#path), { recursive: true, mode: 0o700 });
      appendFileSync(this.#path, JSON.stringify(entry) + "\n", { mode: 0o600 });
      if (++this.#lines > 2 * Math.max(1_000, this.#ids.size)) this.#compact(Date.now());
    } catch (e) {
      this.#fail(e);
    }
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
      `warning: cannot keep delivered message ids in ${this.#path} (${(e as Error).message}): ` +
        "after a restart a retried message may reach the session twice",
    );
  }
}
