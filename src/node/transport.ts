/**
 * The seam between the sending side and the wire: the messenger and the MCP side do not know
 * whether a message travels over HTTP (the default mesh) or a broker. Incoming messages of
 * every transport go through the one fetch-style handler of `http_handler.ts`.
 *
 * @module
 */

import type { Peer } from "../cli/config.ts";
import type { DeliveryOutcome, ProbeOutcome } from "../http/client.ts";
import type { Envelope } from "../core/envelope.ts";

/** Outbound side of a transport. */
export interface PeerTransport {
  /** The peers a message can go to now: static PEERS, or the members a broker knows of. */
  peers(): readonly Peer[];
  /** Makes one delivery attempt; never throws for a peer that is away. */
  deliver(peer: Peer, envelope: Envelope): Promise<DeliveryOutcome>;
  /** Live status of one peer. */
  probe(peer: Peer): Promise<ProbeOutcome>;
  /** Stops the transport's background work. */
  close(): Promise<void>;
}
