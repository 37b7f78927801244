/**
 * A node's store: one SQLite database holding its history (the inbox and every message sent,
 * searchable), its outbox and the ids it must remember, opened once at start and closed at
 * shutdown. History older than the retention or beyond the size cap is pruned in the
 * background, never on the message path.
 *
 * @module
 */

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import type { DatabaseSync } from "node:sqlite";
import { clearTimeout, setTimeout } from "node:timers";
import type { DeliveredEntry } from "../core/delivered.ts";
import { GroupCommit } from "./batch.ts";
import { History } from "./history.ts";
import { pruneIds, StoredDeliveredIds, StoredSeenIds } from "./ids.ts";
import { damagedMarker, openDatabase, sqliteCode, type StoreState } from "./open.ts";

export type { StoreState };
import { StoredOutbox } from "./outbox.ts";
import { StoredPins } from "./pins.ts";

/** Options of {@linkcode Store.open}. */
export interface StoreOptions {
  /** The database file (see `storeFile`), or `:memory:` for a store that forgets. */
  path: string;
  /** Where the one-line problems go (stderr in the command line). */
  log: (line: string) => void;
  /** How long a delivered message id is remembered, in milliseconds. */
  deliveredTtlMs: number;
  /** How long a signed request's id is remembered, in milliseconds (default 600 000). */
  replayTtlMs?: number;
  /** Days of history kept (`INTERCOM_HISTORY_DAYS`, default 30). */
  historyDays?: number;
  /** Most bytes of message text kept in the history (default 100 MiB). */
  historyMaxBytes?: number;
  /** A delivered-id file of an earlier version, folded in once and removed. */
  legacyDeliveredFile?: string;
  /** The clock, in Unix milliseconds. */
  now?: () => number;
  /**
   * Quiet time after the last write before the WAL is checkpointed and truncated, in
   * milliseconds (default 5 000).
   */
  quietCheckpointMs?: number;
}

/** What the store is, for `list_peers`, `/health` and `doctor`. */
export interface StoreInfo {
  /** The database file, or `:memory:`. */
  path: string;
  /** How it opened. */
  state: StoreState;
  /** Whether what it keeps survives a restart. */
  persistent: boolean;
  /** One line saying what went wrong and what to do, if anything did. */
  problem?: string;
}

/** The database of one node. Make it with {@linkcode Store.open}. */
export class Store {
  /** Received and sent messages: the inbox, outcomes and search. */
  readonly history: History;
  /** What the session was handed (duplicates and conflicts). */
  readonly delivered: StoredDeliveredIds;
  /** Webhook and signed-request ids already taken. */
  readonly replays: StoredSeenIds;
  /** Operator request ids already taken. */
  readonly operatorIds: StoredSeenIds;
  /** Messages queued for peers that are away. */
  readonly outbox: StoredOutbox;
  /** The node key each role was first seen signing with. */
  readonly pins: StoredPins;
  /** How it opened. */
  readonly info: StoreInfo;
  readonly #db: DatabaseSync;
  readonly #batch: GroupCommit;
  readonly #o: Required<Omit<StoreOptions, "legacyDeliveredFile">>;
  #timer?: ReturnType<typeof setInterval>;
  #quiet?: ReturnType<typeof setTimeout>;
  #closed = false;
  #said = new Set<string>();

  private constructor(db: DatabaseSync, info: StoreInfo, o: StoreOptions) {
    this.#db = db;
    this.info = info;
    this.#o = {
      replayTtlMs: 600_000,
      historyDays: 30,
      historyMaxBytes: 100 * 1024 * 1024,
      now: Date.now,
      quietCheckpointMs: 5_000,
      ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
    } as Required<Omit<StoreOptions, "legacyDeliveredFile">>;
    this.#batch = new GroupCommit(db);
    this.history = new History(db, {
      batch: () => this.batch(),
      onError: (what, e) => this.failed(what, e),
    });
    this.delivered = new StoredDeliveredIds(db, o.deliveredTtlMs);
    this.replays = new StoredSeenIds(db, "replay", this.#o.replayTtlMs);
    this.operatorIds = new StoredSeenIds(db, "operator", this.#o.replayTtlMs);
    this.outbox = new StoredOutbox(db);
    this.pins = new StoredPins(db);
  }

  /**
   * Opens the store at `options.path`. Never throws for a file that cannot be used: the node
   * then runs with a store in memory and `info.problem` (also logged) says why.
   *
   * @example
   * ```ts
   * const store = Store.open({ path: ":memory:", log: () => {}, deliveredTtlMs: 900_000 });
   * store.history.unread(); // 0
   * store.close();
   * ```
   */
  static open(options: StoreOptions): Store {
    const now = options.now ?? Date.now;
    const opened = openDatabase(options.path, now());
    if (opened.problem) options.log(opened.problem);
    const { db, path, state, persistent, problem } = opened;
    const store = new Store(db, { path, state, persistent, problem }, options);
    if (options.legacyDeliveredFile && persistent) {
      store.#fold(options.legacyDeliveredFile, now());
    }
    return store;
  }

  /** Reads a delivered-id file of an earlier version into the store, then removes it. */
  #fold(file: string, nowMs: number): void {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return;
    }
    const entries: DeliveredEntry[] = [];
    for (const line of text.split("\n")) {
      try {
        const e = JSON.parse(line);
        if (typeof e?.key === "string" && typeof e.digest === "string") entries.push(e);
      } catch { /* a torn last line after a crash */ }
    }
    this.delivered.load(entries, nowMs);
    rmSync(file, { force: true });
  }

  /**
   * Runs a store write that is not on a message's way to its acknowledgement (an outcome, a
   * retry count, a pruning): a failure there costs one line per kind, never the node. A damaged
   * file is marked so that the next start moves it aside.
   *
   * @returns what `run` returned, or undefined when it failed.
   */
  safely<T>(what: string, run: () => T): T | undefined {
    try {
      return run();
    } catch (e) {
      this.failed(what, e);
      return undefined;
    }
  }

  /** Says once per kind that `what` failed; marks a damaged file for the next start. */
  failed(what: string, e: unknown): void {
    const code = sqliteCode(e);
    const damaged = code === 11 || code === 26;
    if (damaged && this.info.persistent) {
      try {
        writeFileSync(damagedMarker(this.info.path), `${(e as Error).message}\n`, { mode: 0o600 });
      } catch { /* the next start finds the damage itself, or not */ }
    }
    const key = damaged ? "damaged" : `${what} ${code}`;
    if (this.#said.has(key)) return;
    this.#said.add(key);
    this.#o.log(
      damaged
        ? `The store ${this.info.path} is damaged (${(e as Error).message}): the node moves it ` +
          "aside and starts an empty store when it starts again; restart the session"
        : `Cannot ${what} in the store ${this.info.path}: ${(e as Error).message}`,
    );
  }

  /**
   * Deletes expired ids and history beyond the retention and the size cap. Returns how many
   * rows went.
   */
  prune(nowMs: number = this.#o.now()): number {
    if (this.#closed) return 0;
    const maxAgeMs = this.#o.historyDays * 86_400_000;
    return pruneIds(this.#db, nowMs) +
      this.history.prune(nowMs, maxAgeMs, this.#o.historyMaxBytes);
  }

  /** Prunes every `intervalMs` (default an hour), first after `firstMs` (default 30 s). */
  startPruning(intervalMs = 3_600_000, firstMs = 30_000): void {
    const run = () => {
      try {
        this.prune();
      } catch (e) {
        this.#o.log(`Cannot prune the store ${this.info.path}: ${(e as Error).message}`);
      }
    };
    const first = setTimeout(() => {
      run();
      this.#timer = setInterval(run, intervalMs);
      (this.#timer as { unref?: () => void }).unref?.();
    }, firstMs);
    (first as { unref?: () => void }).unref?.();
    this.#timer = first as unknown as ReturnType<typeof setInterval>;
  }

  /**
   * Joins the writes until the event loop's next turn into one transaction (`GroupCommit`).
   *
   * @returns a promise that resolves once they are on disk, and rejects when the commit failed
   *   (none of them is kept then).
   */
  batch(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#checkpointSoon();
    return this.#batch.join();
  }

  /** Checkpoints and truncates the WAL once no write came for `quietCheckpointMs`. */
  #checkpointSoon(): void {
    if (this.#quiet) return void this.#quiet.refresh();
    this.#quiet = setTimeout(() => {
      this.#quiet = undefined;
      if (this.#closed || !this.info.persistent) return;
      this.safely("checkpoint", () => this.#db.exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    }, this.#o.quietCheckpointMs);
    this.#quiet.unref();
  }

  /**
   * Commits the writes of the open batch now, for a write that must be on disk before the caller
   * answers (a queued message).
   *
   * @throws SQLite's error when the commit failed.
   */
  commitNow(): void {
    if (!this.#closed) this.#batch.commitNow();
  }

  /** Closes the database (and releases its lock). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.safely("commit the last writes", () => this.#batch.commitNow());
    this.history.close();
    this.safely("index the history for search", () => this.history.index());
    clearTimeout(this.#timer);
    clearInterval(this.#timer);
    clearTimeout(this.#quiet);
    try {
      this.#db.close();
    } catch { /* already closed */ }
  }
}
