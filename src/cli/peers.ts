/**
 * Peers as written in `PEERS` (and `REMOTE_HOST`), and the error type of configuration.
 *
 * @module
 */

import { parsePeerAddress } from "../http/address.ts";
import { LOCAL_URL } from "../http/local_peers.ts";

/** One peer of the mesh. */
export interface Peer {
  /** Role name, unique in the mesh, `[A-Za-z0-9_.-]+`. */
  name: string;
  /** Base URL without trailing slash, e.g. `http://10.0.0.6:8788`; `local` until found. */
  url: string;
  /** Written without a host: found at send time among this machine's nodes. */
  local?: boolean;
}

/** Configuration that cannot work; the message names the entry and the fix. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const NAME = /^[A-Za-z0-9_.-]+$/;

/** Checks a role name. @throws {ConfigError} naming `what` when invalid. */
export function checkName(name: string, what: string): string {
  if (name === "") throw new ConfigError(`${what} is empty: give a name like "backend"`);
  if (!NAME.test(name)) {
    throw new ConfigError(
      `${what} "${name}" may only contain ASCII letters, digits, "_", "." and "-"`,
    );
  }
  return name;
}

/**
 * Parses `PEERS` (`name=host,name=host`; a bare `name` is a peer on this machine, found at send
 * time), falling back to `REMOTE_HOST` as one peer named
 * `remote` when PEERS is empty (v1).
 *
 * @throws {ConfigError} on an empty, invalid or duplicate name, our own name, or a bad address.
 */
export function parsePeers(peers: string, remoteHost: string, role: string): Peer[] {
  const entries = peers.split(",").map((e) => e.trim()).filter((e) => e !== "");
  if (entries.length === 0 && remoteHost.trim() !== "") entries.push(`remote=${remoteHost}`);
  const out: Peer[] = [];
  for (const entry of entries) {
    let eq = entry.indexOf("=");
    const local = eq < 0;
    if (local) {
      if (!NAME.test(entry)) {
        throw new ConfigError(
          `PEERS entry "${entry}" has no "=" and is not a role name: write name=host[:port], ` +
            "or a bare name for a node on this machine",
        );
      }
      eq = entry.length;
    }
    const name = checkName(entry.slice(0, eq).trim(), `Peer name in PEERS entry "${entry}"`);
    if (name === role) {
      throw new ConfigError(
        `PEERS entry "${entry}" uses our own role "${role}": remove it or change MY_ROLE`,
      );
    }
    if (out.some((p) => p.name === name)) {
      throw new ConfigError(`PEERS names "${name}" twice: each peer needs its own name`);
    }
    if (local) {
      out.push({ name, url: LOCAL_URL, local: true });
      continue;
    }
    let url: string;
    try {
      url = parsePeerAddress(entry.slice(eq + 1));
    } catch (e) {
      throw new ConfigError(`PEERS entry "${entry}": ${(e as Error).message}`);
    }
    out.push({ name, url });
  }
  return out;
}
