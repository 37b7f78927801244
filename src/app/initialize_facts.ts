/**
 * What a node's `initialize` answer says about its peers, read from the configuration alone:
 * the start-up front end answers before the transport exists, and says what the transport
 * would (`PEERS`; this machine's registry for `INTERCOM_PORT=auto` with an empty `PEERS`; a
 * broker mesh, whose members are not known until it is joined).
 *
 * @module
 */

import type { Config } from "../node/config.ts";
import type { InitializeFacts } from "../node/initialize.ts";
import { DISCOVERED_SCOPE } from "../http/local_peers.ts";
import { meshScope } from "../nats/config.ts";
import { VERSION } from "../platform/version.ts";

/**
 * The facts of the `initialize` answer of a node configured by `config`, as its transport
 * states them before it joined the mesh.
 *
 * @example
 * ```ts ignore
 * initializeFacts(loadConfig([], process.env, read)); // { role, version, peers, operator }
 * ```
 */
export function initializeFacts(config: Config): InitializeFacts {
  const facts = { role: config.role, version: VERSION, operator: !!config.operatorKey };
  if (config.nats) {
    // Members are known once the broker is joined; durable mode addresses the roster already.
    const peers = config.nats.durable ? [...new Set(config.nats.roster ?? [])].sort() : [];
    return { ...facts, peers, presence: meshScope(config.nats.mesh) };
  }
  const listed = config.peers.map((p) => p.name);
  if (!config.discoverLocal) return { ...facts, peers: listed };
  const found = config.discoverLocal().map((p) => p.name).filter((n) => !listed.includes(n));
  return { ...facts, peers: [...listed, ...found], presence: DISCOVERED_SCOPE };
}
