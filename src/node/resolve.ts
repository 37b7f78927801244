/**
 * Addressing: which peer a `to` names, with errors that list who can be reached.
 *
 * @module
 */

import { SendError } from "./send_result.ts";
import type { Peer, TransportStatus } from "./transport.ts";

/**
 * Finds the peer a message goes to among `peers`. `to` may be omitted when there is exactly one
 * peer. A transport that knows presence (`status.online`) is worded as such: "online now".
 *
 * @throws {SendError} when the transport cannot send now, for an unknown name (listing the
 *   known ones, or who is online on a broker) or a missing `to`.
 */
export function resolvePeer(
  to: string | undefined,
  peers: readonly Peer[],
  role: string,
  status: TransportStatus,
): Peer {
  if (status.problem) throw new SendError(`Cannot send: ${status.problem}`);
  const known = peers.map((p) => `"${p.name}"`).join(", ");
  const name = to?.trim() ?? "";
  const presence = status.online !== undefined;
  if (name === "") {
    if (peers.length === 1) return peers[0];
    if (peers.length === 0) {
      throw new SendError(
        presence
          ? `No other session is online in ${status.scope} yet`
          : "No peers are configured: set PEERS=name=host,… and restart",
      );
    }
    throw new SendError(`Say which peer with "to": one of ${known}`);
  }
  const peer = peers.find((p) => p.name === name);
  if (peer) return peer;
  if (name === role) {
    throw new SendError(`"${name}" is this session's own role; known peers: ${known || "none"}`);
  }
  if (presence) {
    const online = status.online!.map((n) => `"${n}"`).join(", ") || "none";
    // A broker that stores messages (durable mode) also addresses a roster of offline roles.
    if (peers.length > status.online!.length) {
      throw new SendError(
        `No role "${name}" in ${status.scope}: it is not on the roster and was never seen ` +
          `(a typo?); roster: ${known}; online now: ${online}`,
      );
    }
    throw new SendError(
      `No session "${name}" is online in ${status.scope}; online now: ${online}`,
    );
  }
  throw new SendError(`Unknown peer "${name}"; known peers: ${known || "none (set PEERS)"}`);
}
