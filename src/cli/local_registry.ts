/**
 * Same-machine discovery for `INTERCOM_PORT=auto`: each node writes `<role>.json` (its URL and
 * pid) into a per-user directory of mode 0700, and a peer written without a host
 * (`PEERS=frontend,tester`) is looked up there at send time, since sessions start in any order.
 *
 * Entry format (JSON, one file per role): `{"role","url","pid","version","started_at","project"}`.
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
  if (!pidAlive(entry.pid)) {
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

/**
 * Writes this node's entry (atomically, mode 0600) and returns a function that removes it
 * again, unless another node has taken the role since.
 *
 * @returns the entry this one replaced when its process still runs (a role used twice).
 */
export function registerLocal(
  dir: string,
  entry: LocalEntry,
): { unregister: () => void; replaced?: LocalEntry } {
  ensurePrivateDir(dir);
  const previous = readEntry(dir, entry.role);
  const replaced = previous && previous.pid !== entry.pid && pidAlive(previous.pid)
    ? previous
    : undefined;
  const tmp = join(dir, `.${entry.role}.${entry.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(entry) + "\n", { mode: 0o600 });
  renameSync(tmp, fileOf(dir, entry.role));
  const unregister = () => {
    if (readEntry(dir, entry.role)?.pid !== entry.pid) return;
    // The node we took the role from still runs: give it back, or it stays unreachable.
    if (replaced && pidAlive(replaced.pid)) {
      writeFileSync(tmp, JSON.stringify(replaced) + "\n", { mode: 0o600 });
      renameSync(tmp, fileOf(dir, entry.role));
      return;
    }
    rmSync(fileOf(dir, entry.role), { force: true });
  };
  return { unregister, ...(replaced ? { replaced } : {}) };
}

/**
 * Removes stale entries: a dead pid, or a node that does not answer `/health` with its role
 * (a reused pid). `answers` probes one entry; it is injected so tests need no network.
 *
 * @returns the roles removed.
 */
export async function cleanStale(
  dir: string,
  answers: (entry: LocalEntry) => Promise<boolean>,
  own?: number,
): Promise<string[]> {
  const removed: string[] = [];
  await Promise.all(
    listEntries(dir).map(async (entry) => {
      if (entry.pid === own) return;
      if (pidAlive(entry.pid) && await answers(entry)) return;
      // Read again: the role may have been taken by a fresh node meanwhile.
      if (readEntry(dir, entry.role)?.pid !== entry.pid) return;
      rmSync(fileOf(dir, entry.role), { force: true });
      removed.push(entry.role);
    }),
  );
  return removed;
}

/** Probes `/health` of an entry: true when it answers with the entry's role within 1.5 s. */
export async function answersHealth(entry: LocalEntry): Promise<boolean> {
  try {
    const response = await fetch(`${entry.url}/health`, { signal: AbortSignal.timeout(1_500) });
    const body = await response.json().catch(() => null) as { role?: unknown } | null;
    return body?.role === entry.role;
  } catch {
    return false;
  }
}
