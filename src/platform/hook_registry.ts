/**
 * How a hook waiter finds the node of its own session. Claude Code starts both the node (an MCP
 * server) and the waiter (a hook, through `/bin/sh -c`) as descendants of its own process, so
 * each node writes `hooks/<pid>.json` into the per-user registry directory (mode 0700, the file
 * 0600) with its loopback hook URL, a random token and its ancestors' pids; the waiter walks its
 * own ancestors and takes the node that shares the nearest one. Another user has another
 * directory and cannot read the token, so their waiter is refused.
 *
 * Entry format (JSON): `{"pid","start_time","url","token","ancestors":[pid,…],"role","cwd"}`.
 * Nodes with fixed ports and broker nodes register here too: the hook listener is separate.
 *
 * This file is on the waiter's start-up path: node built-ins only.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { ensurePrivateDir, pidAlive, processStartTime } from "./local_registry.ts";

/** One node's hook entry. */
export interface HookEntry {
  /** The node's pid. */
  pid: number;
  /** When it started ({@linkcode processStartTime}), to tell a reused pid apart. */
  start_time?: string;
  /** Base URL of its loopback hook listener, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The bearer token a waiter must send. */
  token: string;
  /** The node's ancestors, parent first. */
  ancestors: number[];
  /** The node's role. */
  role: string;
  /** Its working directory. */
  cwd?: string;
}

/** The folder of hook entries inside the registry directory `dir`. */
export const hooksDir = (dir: string): string => join(dir, "hooks");

/** The parent pid of `pid`, or undefined (no such process, or it cannot be told). */
export function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
  } catch {
    if (process.platform === "linux" || process.platform === "win32") return undefined;
  }
  try {
    const out = execFileSync("ps", ["-o", "ppid=", "-p", String(pid)], {
      encoding: "utf8",
      timeout: 2_000,
      stdio: ["ignore", "pipe", "ignore"],
    });
    const ppid = Number(out.trim());
    return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** The ancestors of `pid`, parent first, up to (not including) pid 1; at most 64. */
export function ancestorsOf(pid: number): number[] {
  const chain: number[] = [];
  for (let p = parentPid(pid); p !== undefined && p > 1 && chain.length < 64; p = parentPid(p)) {
    if (chain.includes(p)) break;
    chain.push(p);
  }
  return chain;
}

/** Writes this node's hook entry; returns the function that removes it. */
export function registerHook(dir: string, entry: HookEntry): () => void {
  const folder = hooksDir(dir);
  ensurePrivateDir(dir);
  ensurePrivateDir(folder);
  const file = join(folder, `${entry.pid}.json`);
  const tmp = join(folder, `.${entry.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(entry) + "\n", { mode: 0o600 });
  renameSync(tmp, file);
  return () => rmSync(file, { force: true });
}

function gone(entry: HookEntry): boolean {
  if (!pidAlive(entry.pid)) return true;
  const now = entry.start_time === undefined ? undefined : processStartTime(entry.pid);
  return now !== undefined && now !== entry.start_time;
}

/** Every live entry in `dir`; entries of processes that are gone are removed on the way. */
export function hookEntries(dir: string): HookEntry[] {
  const folder = hooksDir(dir);
  let names: string[];
  try {
    names = readdirSync(folder).filter((n) => /^\d+\.json$/.test(n));
  } catch {
    return [];
  }
  const entries: HookEntry[] = [];
  for (const name of names) {
    try {
      const e = JSON.parse(readFileSync(join(folder, name), "utf8")) as HookEntry;
      if (
        typeof e?.url !== "string" || typeof e.token !== "string" || !Array.isArray(e.ancestors)
      ) {
        continue;
      }
      if (gone(e)) rmSync(join(folder, name), { force: true });
      else entries.push(e);
    } catch { /* torn, foreign or unreadable */ }
  }
  return entries;
}

/** The argv of `pid` (Linux `/proc/<pid>/cmdline`); empty where it cannot be read. */
export function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((a) => a !== "");
  } catch {
    return [];
  }
}

/**
 * How far up the waiter's `ancestors` (parent first) its Claude Code process may be: the parent
 * of the outermost `sh -c "… hook …"` among them (Claude Code runs hooks as `/bin/sh -c`), or
 * the parent itself when no such shell is seen (the shell exec'd the waiter). A node found
 * higher up (a terminal or tmux shared by two sessions) belongs to another session.
 */
export function sessionDepth(
  ancestors: readonly number[],
  argvOf: (pid: number) => string[] = commandLine,
): number {
  let depth = 0;
  for (let i = 0; i < Math.min(ancestors.length, 8); i++) {
    const [shell, flag, command] = argvOf(ancestors[i]);
    if (
      /(^|\/)(ba|da|z)?sh$/.test(shell ?? "") && flag === "-c" && /\bhook\b/.test(command ?? "")
    ) {
      depth = i + 1;
    }
  }
  return depth;
}

/**
 * The entry of the node that shares the nearest ancestor with `ancestors` (the waiter's own,
 * parent first), at most `maxDepth` up ({@linkcode sessionDepth}); the newest such node when
 * several do, one in `cwd` (the session's directory) first.
 */
export function nearestNode(
  entries: readonly HookEntry[],
  ancestors: readonly number[],
  maxDepth: number,
  cwd?: string,
): HookEntry | undefined {
  let best: { entry: HookEntry; rank: number[] } | undefined;
  for (const entry of entries) {
    const own = new Set([entry.pid, ...entry.ancestors]);
    const depth = ancestors.findIndex((p) => own.has(p));
    if (depth < 0 || depth > maxDepth) continue;
    // Nearer first, then the session's directory, then the newer node.
    const rank = [-depth, cwd !== undefined && entry.cwd === cwd ? 1 : 0, entry.pid];
    const better = !best ||
      rank.some((r, i) =>
        rank.slice(0, i).every((x, j) => x === best!.rank[j]) && r > best!.rank[i]
      );
    if (better) best = { entry, rank };
  }
  return best?.entry;
}
