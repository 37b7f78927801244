/**
 * The real Claude Code CLI for tests, when it is installed: `TALKIE_CLAUDE_BIN`, else the
 * native binary `.ci/run` installs into the cache folder (`<cache>/claude-talkie-walkie/claude`,
 * npm package `@anthropic-ai/claude-code`), else `claude` on PATH. Under CI a missing CLI fails
 * the tests unless `.ci/run` said why in `CLAUDE_UNAVAILABLE`.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import process from "node:process";

/** Where `.ci/run` installs the CLI: `$TALKIE_CLAUDE_CACHE`, else under the cache folder. */
export function claudeCache(env: Record<string, string | undefined> = process.env): string {
  return env.TALKIE_CLAUDE_CACHE ||
    join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "claude-talkie-walkie", "claude");
}

/** The path of the `claude` binary to drive, or undefined. */
export function claudeBinary(
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  if (env.TALKIE_CLAUDE_BIN) return env.TALKIE_CLAUDE_BIN;
  const cached = join(
    claudeCache(env),
    "node_modules/@anthropic-ai/claude-code-linux-x64/claude",
  );
  if (existsSync(cached)) return cached;
  try {
    execFileSync("claude", ["--version"], { stdio: "ignore", timeout: 10_000 });
    return "claude";
  } catch {
    return undefined;
  }
}

/** Why the real-CLI tests cannot run here, or undefined when they can. */
export function claudeSkip(
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  let tmux = true;
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
  } catch {
    tmux = false;
  }
  const why = !claudeBinary(env)
    ? "no claude binary (set TALKIE_CLAUDE_BIN, or let .ci/run install @anthropic-ai/claude-code)"
    : !tmux
    ? "no tmux (the CLI needs a terminal)"
    : undefined;
  if (why && env.CI === "true" && !env.CLAUDE_UNAVAILABLE) {
    throw new Error(`CI must run the real Claude Code tests: ${why}`);
  }
  return why && `${why}${env.CLAUDE_UNAVAILABLE ? `: ${env.CLAUDE_UNAVAILABLE}` : ""}`;
}
