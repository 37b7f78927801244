/**
 * Same-machine discovery for `INTERCOM_PORT=auto`: each node writes `<role>.json` (its URL and
 * pid) into a per-user directory of mode 0700, and a peer written without a host
 * (`PEERS=frontend,tester`) is looked up there at send time, since sessions start in any order.
 *
 * Entry format (JSON, one file per role): `{"role","url","pid","version","started_at",
 * "start_time","project"}`. An entry is trusted for one thing: where to look for that role. It is
 * removed only when its process is gone (no such pid, or a pid reused by a process that started
 * at another time), never because the node was slow to answer; and each node writes its entry
 * again while it runs when it finds it missing or left by a process that is gone. Whoever
 * answers at the address still proves nothing: a node that answers as another role gets
 * nothing secret (`http/transport.ts`).
 *
 * @module
 */

import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

/** One registered node. */
export interface LocalEntry {
  role: string;
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  pid: number;
  version: string;
  /** ISO 8601 time of registration. */
  started_at: string;
  /** When the process started, as {@linkcode processStartTime} tells it; absent where unknown. */
  start_time?: string;
  /** The node's project directory (its working directory), shown by `list_peers`. */
  project?: string;
}

/**
 * The registry directory: `INTERCOM_LOCAL_DIR` when set, else `$XDG_RUNTIME_DIR/
 * claude-talkie-walkie`, else `<tmp>/claude-talkie-walkie-<uid>`.
 */
export function localRegistryDir(env: Record<string, string | undefined>): string {
  const explicit = env.INTERCOM_LOCAL_DIR?.trim();
  if (explicit) return explicit;
  const runtime = env.XDG_RUNTIME_DIR?.trim();
  if (runtime) return join(runtime, "claude-talkie-walkie");
  const user = process.getuid?.() ?? env.USER ?? env.USERNAME ?? "user";
  return join(tmpdir(), `claude-talkie-walkie-${user}`);
}

/**
 * Creates `dir` with mode 0700, or checks that an existing one is a directory of this user and
 * makes it private again.
 *
 * @throws {Error} when it is not a directory or belongs to another user.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) {
    throw new Error(`${dir} is not a directory: remove it or set INTERCOM_LOCAL_DIR`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new Error(`${dir} belongs to another user: set INTERCOM_LOCAL_DIR to a private one`);
  }
  if (process.platform !== "win32" && (stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** Whether a process with this pid exists (EPERM: it exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/**
 * When process `pid` started, as an opaque text to compare: on Linux field 22 of
 * `/proc/<pid>/stat` (clock ticks since boot), elsewhere `ps -o lstart=`; undefined when it
 * cannot be told (no such process, Windows, no `ps`). Together with the pid it names one
 * process, so a pid reused by another process is told apart.
 */
export function processStartTime(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0 || process.platform === "win32") return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] || undefined;
  } catch (e) {
    if (process.platform === "linux" || (e as { code?: string }).code !== "ENOENT") {
      return undefined;
    }
  }
  try {
    // node:child_process only here: the configuration lists live nodes before `initialize`.
    const { execFileSync } = process.getBuiltinModule("node:child_process");
    const out = execFileSync("ps", ["-o", "lstart=", "-p", String(pid)], {
      encoding: "utf8",
      timeout: 2_000,
      stdio: ["ignore", "pipe", "ignore"],
    });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Whether the process of `entry` is gone: its pid is dead, or now names a later process. */
export function processGone(entry: LocalEntry): boolean {
  if (!pidAlive(entry.pid)) return true;
  if (entry.start_time === undefined) return false;
  const now = processStartTime(entry.pid);
  return now !== undefined && now !== entry.start_time;
}

const fileOf = (dir: string, role: string) => join(dir, `${role}.json`);

function parseEntry(text: string): LocalEntry | undefined {
  try {
    const e = JSON.parse(text);
    if (typeof e?.role === "string" && typeof e.url === "string" && typeof e.pid === "number") {
      return e as LocalEntry;
    }
  } catch { /* a torn or foreign file */ }
  return undefined;
}

/**
 * Whether a path is ours: owned by this user and not writable by others. Another user could
 * otherwise plant a directory in the shared temp dir and receive our messages.
 */
function ours(path: string, directory: boolean): boolean {
  const stat = lstatSync(path);
  if (directory ? !stat.isDirectory() : !stat.isFile()) return false;
  const uid = process.getuid?.();
  return uid === undefined || (stat.uid === uid && (stat.mode & 0o022) === 0);
}

/** Reads one role's entry; undefined when absent, unreadable or not this user's. */
export function readEntry(dir: string, role: string): LocalEntry | undefined {
  try {
    if (!ours(dir, true) || !ours(fileOf(dir, role), false)) return undefined;
    return parseEntry(readFileSync(fileOf(dir, role), "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * The URL of the node registered for `role`, or undefined. An entry whose process is gone is
 * removed on the way.
 */
export function lookupLocal(dir: string, role: string): string | undefined {
  const entry = readEntry(dir, role);
  if (!entry) return undefined;
  if (processGone(entry)) {
    rmSync(fileOf(dir, role), { force: true });
    return undefined;
  }
  return entry.url;
}

/** Every entry in the directory (unreadable files skipped). */
export function listEntries(dir: string): LocalEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".json"));
  } catch {
    return [];
  }
  return names.map((n) => readEntry(dir, n.slice(0, -5))).filter((e) => e !== undefined);
}

/** This node's registration: remove it, or write it again when it went missing. */
export interface Registration {
  /** Removes the entry, unless another node has taken the role since. */
  unregister: () => void;
  /**
   * Writes the entry again when the file is missing or left by a process that is gone (another
   * node's mistake, a cleaner, a restart of the directory); leaves a live node's entry alone.
   *
   * @returns true when it wrote the entry.
   */
  reassert: () => boolean;
  /** The entry this one replaced when its process still runs (a role used twice). */
  replaced?: LocalEntry;
}

/**
 * Writes this node's entry (atomically, mode 0600) and returns the functions that remove it or
 * write it again.
 */
export function registerLocal(dir: string, entry: LocalEntry): Registration {
  ensurePrivateDir(dir);
  const previous = readEntry(dir, entry.role);
  const replaced = previous && previous.pid !== entry.pid && !processGone(previous)
    ? previous
    : undefined;
  const tmp = join(dir, `.${entry.role}.${entry.pid}.tmp`);
  const write = (e: LocalEntry) => {
    writeFileSync(tmp, JSON.stringify(e) + "\n", { mode: 0o600 });
    renameSync(tmp, fileOf(dir, entry.role));
  };
  write(entry);
  const unregister = () => {
    if (readEntry(dir, entry.role)?.pid !== entry.pid) return;
    // The node we took the role from still runs: give it back, or it stays unreachable.
    if (replaced && !processGone(replaced)) return write(replaced);
    rmSync(fileOf(dir, entry.role), { force: true });
  };
  const reassert = () => {
    const now = readEntry(dir, entry.role);
    if (now && (now.pid === entry.pid || !processGone(now))) return false;
    ensurePrivateDir(dir);
    write(entry);
    return true;
  };
  return { unregister, reassert, ...(replaced ? { replaced } : {}) };
}

/**
 * Removes the entries whose process is gone ({@linkcode processGone}); a live node that is slow
 * to answer keeps its entry.
 *
 * @returns the roles removed.
 */
export function cleanStale(dir: string, own?: number): string[] {
  const removed: string[] = [];
  for (const entry of listEntries(dir)) {
    if (entry.pid === own || !processGone(entry)) continue;
    // Read again: the role may have been taken by a fresh node meanwhile.
    if (readEntry(dir, entry.role)?.pid !== entry.pid) continue;
    rmSync(fileOf(dir, entry.role), { force: true });
    removed.push(entry.role);
  }
  return removed;
}
