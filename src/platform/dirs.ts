/**
 * Per-user directories, by each OS's convention.
 *
 * @module
 */

import { homedir } from "node:os";
import { statSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

/**
 * This program's cache directory (not created): `$XDG_CACHE_HOME/claude-talkie-walkie`, else
 * `~/.cache/…` on Linux, `~/Library/Caches/…` on macOS and `%LOCALAPPDATA%\…` on Windows.
 */
export function cacheDir(env: Record<string, string | undefined> = process.env): string {
  const name = "claude-talkie-walkie";
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, name);
  if (process.platform === "darwin") return join(homedir(), "Library", "Caches", name);
  if (process.platform === "win32" && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, name);
  return join(homedir(), ".cache", name);
}

/**
 * This program's config directory (not created): `$XDG_CONFIG_HOME/claude-talkie-walkie`, else
 * `~/.config/claude-talkie-walkie`.
 */
export function configDir(env: Record<string, string | undefined> = process.env): string {
  const name = "claude-talkie-walkie";
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, name);
  return join(homedir(), ".config", name);
}

/** Where `operator-key` writes the operator's private key by default, and the viewer looks. */
export function defaultOperatorKeyFile(
  env: Record<string, string | undefined> = process.env,
): string {
  return join(configDir(env), "operator.key");
}

/**
 * Whether a file is readable or writable by other users than its owner (POSIX mode bits,
 * `mode & 0o077`); false on Windows and for a file that cannot be read.
 */
export function openToOthers(path: string): boolean {
  try {
    return process.platform !== "win32" && (statSync(path).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

/**
 * Warnings for secret files others can read: the mesh secret's `--secret-file` (when given)
 * and the operator's private key at its default place (when it exists). Each names the file and
 * the fix.
 */
export function openSecretFiles(
  secretFile: string | undefined,
  env: Record<string, string | undefined> = process.env,
): string[] {
  const files = [
    ...(secretFile ? [[secretFile, "the shared secret"]] : []),
    [defaultOperatorKeyFile(env), "the operator's private key"],
  ];
  return files.filter(([path]) => openToOthers(path)).map(([path, what]) =>
    `${path} (${what}) is readable by other users: chmod 600 it`
  );
}
