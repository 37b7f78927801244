/**
 * Peers as written in `PEERS` (and `REMOTE_HOST`).
 *
 * @module
 */

import { ConfigError } from "../core/env.ts";
import { roleProblem } from "../core/names.ts";
import { parsePeerAddress } from "../http/address.ts";
import { LOCAL_URL } from "../http/local_peers.ts";
import type { Peer } from "../node/transport.ts";

export { ConfigError, type Peer };

/** Checks a role name by the one rule of `core/names.ts`. @throws {ConfigError} naming `what`. */
export function checkName(name: string, what: string): string {
  const problem = roleProblem(name);
  if (problem) throw new ConfigError(`${what}${name === "" ? "" : ` "${name}"`} ${problem}`);
  return name;
}

/**
 * Parses `PEERS` (`name=host,name=host`; a bare `name` is a peer on this machine, found at send
 * time), falling back to `REMOTE_HOST` as one peer named `remote` when PEERS is empty (v1),
 * whose node may have any role.
 *
 * @throws {ConfigError} on an empty, invalid or duplicate name, our own name, or a bad address.
 */
export function parsePeers(peers: string, remoteHost: string, role: string): Peer[] {
  if (peers.includes(";")) {
    throw new ConfigError(
      `PEERS "${peers}" uses ";": separate entries with commas, as in ` +
        "PEERS=frontend=10.0.0.6,tester=10.0.0.7",
    );
  }
  const legacy = peers.trim() === "" && remoteHost.trim() !== "";
  const entries = peers.split(",").map((e) => e.trim()).filter((e) => e !== "");
  if (legacy) entries.push(`remote=${remoteHost}`);
  const out: Peer[] = [];
  for (const entry of entries) {
    let eq = entry.indexOf("=");
    const local = eq < 0;
    if (local) {
      if (roleProblem(entry)) {
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
    // REMOTE_HOST (v1) names no role: the node there may have any, and is addressed as such.
    out.push(legacy ? { name, url, anyRole: true } : { name, url });
  }
  return out;
}
