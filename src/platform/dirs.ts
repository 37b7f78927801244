/**
 * Per-user directories, by each OS's convention.
 *
 * @module
 */

import { homedir } from "node:os";
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
