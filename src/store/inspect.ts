/**
 * What `doctor` says about a node's store without changing it: where it is, how big, and
 * whether a node could use it (in use by a running node, damaged, from a newer version).
 *
 * @module
 */

import { existsSync, statSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { sqliteCode } from "./open.ts";
import { SCHEMA_VERSION } from "./schema.ts";

/** One line of `doctor`'s report about the store. */
export interface StoreCheck {
  /** `ok`, `warn` or `fail`. */
  level: "ok" | "warn" | "fail";
  /** The line. */
  text: string;
}

function size(path: string): string {
  let bytes = 0;
  for (const file of [path, `${path}-wal`]) {
    try {
      bytes += statSync(file).size;
    } catch { /* no such file */ }
  }
  return bytes < 1_048_576
    ? `${Math.ceil(bytes / 1024)} KB`
    : `${(bytes / 1_048_576).toFixed(1)} MB`;
}

/**
 * Looks at the database file at `path` read-only.
 *
 * @example
 * ```ts
 * inspectStore("/nonexistent/alpha.db").text; // "store: /nonexistent/alpha.db (made at the first start)"
 * ```
 */
export function inspectStore(path: string): StoreCheck {
  if (!existsSync(path)) return { level: "ok", text: `store: ${path} (made at the first start)` };
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { readOnly: true });
    db.exec("PRAGMA busy_timeout = 0");
    const version = Number(
      (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
    );
    if (version > SCHEMA_VERSION) {
      return {
        level: "fail",
        text: `store: ${path} was written by a newer claude-talkie-walkie (schema ${version}, ` +
          `this one knows ${SCHEMA_VERSION}): upgrade, or move the file aside`,
      };
    }
    const count = (sql: string) => Number((db!.prepare(sql).get() as { n: number }).n);
    const messages = version ? count("SELECT count(*) AS n FROM messages") : 0;
    const unread = version
      ? count("SELECT count(*) AS n FROM messages WHERE direction = 'in' AND read = 0")
      : 0;
    const queued = version ? count("SELECT count(*) AS n FROM outbox") : 0;
    return {
      level: "ok",
      text: `store: ${path}, ${size(path)}, ${messages} messages (${unread} unread), ` +
        `${queued} queued`,
    };
  } catch (e) {
    const code = sqliteCode(e);
    if (code === 5 || code === 14) {
      return { level: "ok", text: `store: ${path}, ${size(path)}, in use by a running node` };
    }
    if (code === 26 || code === 11) {
      return {
        level: "warn",
        text: `store: ${path} is damaged (${(e as Error).message}): the node moves it ` +
          "aside and starts an empty one (at its next start if it runs now)",
      };
    }
    return { level: "fail", text: `store: cannot read ${path}: ${(e as Error).message}` };
  } finally {
    db?.close();
  }
}
