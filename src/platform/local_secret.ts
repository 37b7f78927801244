/**
 * The per-user secret of zero configuration on one machine (`INTERCOM_PORT=auto` without
 * `INTERCOM_SECRET`): generated once into the per-user registry directory, so this user's nodes
 * (and viewer) trust each other and another user's nodes (another directory, another secret)
 * cannot write in.
 *
 * @module
 */

import { closeSync, lstatSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { ensurePrivateDir } from "./local_registry.ts";

/** The name of the per-user secret file in the registry directory. */
export const SECRET_FILE = "secret";

/**
 * The per-user secret of `dir`: read from `dir/secret`, or generated (32 random bytes,
 * base64url) and written with mode 0600 by the first node that needs it. Two nodes starting
 * together agree: the file is created exclusively, and the loser reads the winner's.
 *
 * @throws {Error} when the file belongs to another user, others may read it, or it is empty.
 */
export function localSecret(dir: string): string {
  ensurePrivateDir(dir);
  const path = join(dir, SECRET_FILE);
  try {
    const fd = openSync(path, "wx", 0o600);
    try {
      // node:crypto only here: the configuration reads this file before `initialize` is answered.
      const secret = process.getBuiltinModule("node:crypto").randomBytes(32);
      writeSync(fd, secret.toString("base64url") + "\n");
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if ((e as { code?: string }).code !== "EEXIST") throw e;
  }
  const stat = lstatSync(path);
  const uid = process.getuid?.();
  if (!stat.isFile() || (uid !== undefined && stat.uid !== uid)) {
    throw new Error(`${path} is not a file of this user: remove it or set INTERCOM_SECRET`);
  }
  if (process.platform !== "win32" && (stat.mode & 0o077) !== 0) {
    throw new Error(`${path} may be read by other users: run chmod 600 on it, or remove it`);
  }
  const secret = readFileSync(path, "utf8").trim();
  if (secret === "") throw new Error(`${path} is empty: remove it, a new secret is made`);
  return secret;
}
