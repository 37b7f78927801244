/**
 * Where a node keeps its database: one SQLite file per role (and broker mesh) in the state
 * directory, `INTERCOM_STATE_DIR` when set, else `$XDG_STATE_HOME/claude-talkie-walkie`, else
 * `~/.local/state/claude-talkie-walkie` (XDG Base Directory Specification).
 *
 * @module
 */

import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The state directory (not created).
 *
 * @example
 * ```ts
 * stateDir({ INTERCOM_STATE_DIR: "/var/lib/talkie" }); // "/var/lib/talkie"
 * ```
 */
export function stateDir(env: Record<string, string | undefined>): string {
  if (env.INTERCOM_STATE_DIR) return env.INTERCOM_STATE_DIR;
  const name = "claude-talkie-walkie";
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, name);
  return join(env.HOME || homedir(), ".local", "state", name);
}

/**
 * The database file of `role` in `dir`: `<role>.db`, or `<mesh>.<role>.db` in broker mode.
 * Roles and mesh names are file-name safe by the one name rule (`core/names.ts`).
 *
 * @example
 * ```ts
 * storeFile("/s", "backend"); // "/s/backend.db"
 * storeFile("/s", "backend", "team"); // "/s/team.backend.db"
 * ```
 */
export function storeFile(dir: string, role: string, mesh?: string): string {
  return join(dir, mesh ? `${mesh}.${role}.db` : `${role}.db`);
}

/**
 * The node key file of `role` in `dir`, beside its database: `<role>.key`, or
 * `<mesh>.<role>.key` in broker mode.
 *
 * @example
 * ```ts
 * nodeKeyFile("/s", "backend"); // "/s/backend.key"
 * ```
 */
export function nodeKeyFile(dir: string, role: string, mesh?: string): string {
  return join(dir, mesh ? `${mesh}.${role}.key` : `${role}.key`);
}
