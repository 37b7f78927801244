/**
 * The node key file: created on first start (mode 0600, in a 0700 directory) and read on every
 * later one, so a node keeps its identity across restarts. A file that cannot be read is never
 * overwritten: the node then runs with a key of this run only, and says so.
 *
 * @module
 */

import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import {
  decodeNodeKeys,
  encodeNodeKeys,
  generateNodeKeys,
  type NodeKeys,
} from "../core/node_key.ts";

/** What {@linkcode loadNodeKeys} found. */
export interface LoadedNodeKeys {
  /** The keys. */
  keys: NodeKeys;
  /** Whether the file was made now. */
  created: boolean;
  /** Why the keys are of this run only (the file could not be read or written). */
  problem?: string;
}

/**
 * Reads the node key file at `path`, or creates it when there is none.
 *
 * @example
 * ```ts
 * const { keys } = loadNodeKeys("/tmp/k/backend.key");
 * keys.fingerprint; // "SHA256:…"
 * ```
 */
export function loadNodeKeys(path: string): LoadedNodeKeys {
  let text: string | undefined;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") {
      return { keys: generateNodeKeys(), created: false, problem: problem(path, e) };
    }
  }
  if (text !== undefined) {
    try {
      return { keys: decodeNodeKeys(text), created: false };
    } catch (e) {
      const why = `The node key file ${path} ${(e as Error).message}: using a key of this run ` +
        "only (peers that pinned this node will refuse it); move the file aside to make a new one";
      return { keys: generateNodeKeys(), created: false, problem: why };
    }
  }
  const keys = generateNodeKeys();
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // "wx": two nodes starting at once never overwrite each other's new key.
    writeFileSync(path, encodeNodeKeys(keys), { mode: 0o600, flag: "wx" });
    return { keys, created: true };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return loadNodeKeys(path);
    return { keys, created: false, problem: problem(path, e) };
  }
}

function problem(path: string, e: unknown): string {
  return `Cannot keep the node key in ${path} (${(e as Error).message}): using a key of this ` +
    "run only";
}

/**
 * What `doctor` says about the key file at `path`, without creating it: its fingerprint, that
 * there is none yet, or what is wrong (unreadable, not a key file, open to other users).
 */
export function describeNodeKey(path: string): { level: "ok" | "warn" | "fail"; text: string } {
  let text: string;
  let mode: number;
  try {
    text = readFileSync(path, "utf8");
    mode = statSync(path).mode;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      return { level: "ok", text: `node key: none yet, made at the first start in ${path}` };
    }
    return { level: "fail", text: `node key ${path}: ${(e as Error).message}` };
  }
  try {
    const { fingerprint } = decodeNodeKeys(text);
    if ((mode & 0o077) !== 0) {
      return {
        level: "warn",
        text: `node key ${fingerprint} (${path}) can be read by other users: chmod 600 ${path}`,
      };
    }
    return { level: "ok", text: `node key ${fingerprint} (${path})` };
  } catch (e) {
    return {
      level: "fail",
      text: `node key ${path} ${(e as Error).message}: move it aside, a new one is made`,
    };
  }
}
