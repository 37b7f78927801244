/**
 * Zero configuration on one machine (`INTERCOM_PORT=auto`): what the per-user registry
 * directory supplies when `MY_ROLE` or `PEERS` is not set: the roles in use and every other
 * node as a peer. The per-user secret is `platform/local_secret.ts`.
 *
 * @module
 */

import { roleProblem } from "../core/names.ts";
import type { Peer } from "../node/transport.ts";
import { listEntries, type LocalEntry, processGone } from "../platform/local_registry.ts";

/** An entry of a node that still runs under a valid role name (a file names anything). */
const running = (e: LocalEntry) => roleProblem(e.role) === undefined && !processGone(e);

/** Roles of the nodes registered in `dir` whose process still runs. */
export function liveRoles(dir: string): string[] {
  return listEntries(dir).filter(running).map((e) => e.role);
}

/**
 * Every node registered in `dir` whose process still runs, except `own`, as peers on this
 * machine (sorted by role, each with its project directory when it told one).
 */
export function localPeers(dir: string, own: string): Peer[] {
  return listEntries(dir)
    .filter((e) => e.role !== own && running(e))
    .sort((a, b) => a.role < b.role ? -1 : a.role > b.role ? 1 : 0)
    .map((e) => ({
      name: e.role,
      url: e.url,
      local: true,
      ...(typeof e.project === "string" ? { project: e.project } : {}),
    }));
}
