/**
 * Opens a node's SQLite database (`node:sqlite`, the same module on Node ≥ 22.13 and Deno):
 * mode 0600 in a 0700 directory, WAL journal, an exclusive lock held for the node's life (so two
 * nodes never share one outbox; the operating system drops the lock when the process dies, even
 * by SIGKILL), and the schema migrated to {@linkcode SCHEMA_VERSION}.
 *
 * A file that cannot be used as it is costs one line, never the node: a damaged file is moved
 * aside and a fresh one started; a locked, newer, unwritable or full one leaves the node with a
 * database in memory, and the line says what to do.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
} from "node:fs";
import { dirname } from "node:path";
import { MIGRATIONS, SCHEMA_VERSION } from "./schema.ts";

/**
 * How the store opened: `ok` (the file, as it was), `new` (the file, created now), `memory`
 * (asked for no file), `moved_aside` (the file was damaged: kept beside it, a fresh one
 * started), or a problem that left the node with memory only: `locked` (another live node
 * holds it), `newer` (written by a newer version), `unwritable` (permissions, read-only or
 * full disk).
 */
export type StoreState =
  | "ok"
  | "new"
  | "memory"
  | "moved_aside"
  | "locked"
  | "newer"
  | "unwritable";

/** What {@linkcode openDatabase} returns. */
export interface OpenedDatabase {
  /** The database to use: the file, or one in memory when the file cannot be used. */
  db: DatabaseSync;
  /** The file asked for, or `:memory:`. */
  path: string;
  /** How it went. */
  state: StoreState;
  /** Whether what is written survives a restart. */
  persistent: boolean;
  /** One line saying what happened and what to do, when the file was not used as it is. */
  problem?: string;
}

/** SQLite's primary result code of an error from `node:sqlite` (SQLITE_BUSY is 5, …). */
export function sqliteCode(e: unknown): number | undefined {
  const err = e as { errcode?: number; message?: string };
  if (typeof err?.errcode === "number") return err.errcode & 0xff;
  // Deno's exec() errors carry only the message.
  const m = String(err?.message ?? "");
  if (/database is locked/.test(m)) return 5;
  if (/readonly|read-only/.test(m)) return 8;
  if (/disk is full/.test(m)) return 13;
  if (/not a database/.test(m)) return 26;
  if (/malformed/.test(m)) return 11;
  if (/unable to open/.test(m)) return 14;
  return undefined;
}

/** The file that marks the store at `path` as damaged, found while it ran: moved aside at open. */
export function damagedMarker(path: string): string {
  return `${path}.damaged`;
}

/** Whether `e` says the disk (or the store's size cap) is full: SQLITE_FULL. */
export function isFull(e: unknown): boolean {
  return sqliteCode(e) === 13;
}

function migrate(db: DatabaseSync): void {
  const version = Number(
    (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
  );
  if (version >= SCHEMA_VERSION) return;
  db.exec("BEGIN");
  try {
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec("COMMIT");
  } catch (e) {
    // SQLite may have rolled back already (a full disk): the first error is the one to tell.
    try {
      db.exec("ROLLBACK");
    } catch { /* no transaction left */ }
    throw e;
  }
}

function readMarker(path: string): string {
  try {
    return readFileSync(damagedMarker(path), "utf8").trim() || "found damaged while it ran";
  } catch {
    return "found damaged while it ran";
  }
}

function memory(path: string, state: StoreState, problem?: string): OpenedDatabase {
  const db = new DatabaseSync(":memory:");
  migrate(db);
  return { db, path, state, persistent: false, problem };
}

/** Opens the file, takes its lock and reads its version; throws SQLite's errors. */
function openFile(path: string): { db: DatabaseSync; version: number } {
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA busy_timeout = 0; PRAGMA locking_mode = EXCLUSIVE");
    const version = Number(
      (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
    );
    if (version > SCHEMA_VERSION) return { db, version };
    // A checkpoint (the WAL copied into the file, with two fsyncs that hold the event loop)
    // after 10 000 pages rather than SQLite's 1 000: a busy node pauses a tenth as often, and
    // pages written again and again between two checkpoints are copied once. A quiet store
    // checkpoints soon after its last write (`Store`), so the WAL does not stay large.
    db.exec(
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 10000",
    );
    // Takes the exclusive lock now rather than at the first message.
    db.exec("BEGIN EXCLUSIVE; COMMIT");
    return { db, version };
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * Opens the database at `path` (`:memory:` for none). Never throws for a file that cannot be
 * used: see {@linkcode OpenedDatabase.problem}.
 *
 * @example
 * ```ts
 * const { db, state } = openDatabase(":memory:");
 * state; // "memory"
 * db.close();
 * ```
 */
export function openDatabase(path: string, nowMs: number = Date.now()): OpenedDatabase {
  if (path === ":memory:") return memory(path, "memory");
  const memoryOnly = "this node keeps messages in memory only";
  let existed = false;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    existed = existsSync(path);
    // SQLite creates files with the process umask; the store holds message text.
    if (!existed) closeSync(openSync(path, "a", 0o600));
    else chmodSync(path, 0o600);
  } catch (e) {
    return memory(
      path,
      "unwritable",
      `Cannot write the store ${path} (${(e as Error).message}): ${memoryOnly}; ` +
        "set INTERCOM_STATE_DIR to a writable directory",
    );
  }
  let state: StoreState = existed ? "ok" : "new";
  let problem: string | undefined;
  // A run that found the file damaged marked it: it is moved aside like any damaged file.
  const marked = existsSync(damagedMarker(path));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      if (marked && attempt === 0) {
        throw Object.assign(new Error(readMarker(path)), { errcode: 11 });
      }
      const { db, version } = openFile(path);
      if (version > SCHEMA_VERSION) {
        db.close();
        return memory(
          path,
          "newer",
          `The store ${path} was written by a newer claude-talkie-walkie (schema ${version}, ` +
            `this one knows ${SCHEMA_VERSION}): ${memoryOnly}; upgrade, or move the file aside`,
        );
      }
      migrate(db);
      return { db, path, state, persistent: true, problem };
    } catch (e) {
      const code = sqliteCode(e);
      const why = (e as Error).message;
      if (code === 5) {
        return memory(
          path,
          "locked",
          `The store ${path} is in use by another node with this role: ${memoryOnly}; give ` +
            "each session its own MY_ROLE, or stop the other node",
        );
      }
      if ((code === 26 || code === 11) && attempt === 0) {
        const aside = `${path}.damaged-${new Date(nowMs).toISOString().replaceAll(":", "")}`;
        try {
          renameSync(path, aside);
          for (const suffix of ["-wal", "-shm"]) {
            if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
          }
          closeSync(openSync(path, "a", 0o600));
          rmSync(damagedMarker(path), { force: true });
        } catch (moveError) {
          return memory(
            path,
            "unwritable",
            `The store ${path} is damaged (${why}) and cannot be moved aside ` +
              `(${(moveError as Error).message}): ${memoryOnly}; move it away by hand`,
          );
        }
        state = "moved_aside";
        problem = `The store ${path} was damaged (${why}): moved aside to ${aside}, ` +
          "starting with an empty store";
        continue;
      }
      return memory(
        path,
        "unwritable",
        `Cannot use the store ${path} (${why}): ${memoryOnly}; ` +
          (code === 13
            ? "free some disk space"
            : "check the file's permissions or set INTERCOM_STATE_DIR"),
      );
    }
  }
  return memory(path, "unwritable", `Cannot use the store ${path}: ${memoryOnly}`);
}
