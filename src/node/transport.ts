/**
 * The seam between the sending side and the wire: the messenger and the MCP side do not know
 * whether a message travels over HTTP (the default mesh) or a broker. Incoming messages of
 * every transport go through the node's receive rules (`receive.ts`), and every answer is
 * judged by `core/outcome.ts`.
 *
 * @module
 */

import type { Receiver } from "./receiver.ts";
import type { DeliveryOutcome, ProbeOutcome } from "../core/outcome.ts";
import type { Envelope } from "../core/envelope.ts";
import type { Receipt } from "./receipts.ts";

export type { DeliveryOutcome, ProbeOutcome };

/** One peer of the mesh. */
export interface Peer {
  /** Role name, unique in the mesh (the rule: `core/names.ts`). */
  name: string;
  /** Base URL without trailing slash, e.g. `http://10.0.0.6:8788`; `nats:<subject>` for a broker. */
  url: string;
  /**
   * The peer of `REMOTE_HOST` (v1), named `remote` here: its node may have any role, so
   * messages to it name no `to` and a probe accepts whatever role answers.
   */
  anyRole?: boolean;
  /** Written without a host in PEERS: found at send time among this machine's nodes. */
  local?: boolean;
  /** The project directory of a node on this machine (from the local registry). */
  project?: string;
}

/** What a transport says about itself, for errors and `list_peers`. */
export interface TransportStatus {
  /** Why nothing can be sent now (no broker connection, our role held elsewhere). */
  problem?: string;
  /** Where this node is reachable besides its HTTP listener, e.g. `NATS nats://… as talkie.a`. */
  where?: string;
  /** Words for the set of peers in messages: `PEERS`, or `mesh "talkie"`. */
  scope: string;
  /**
   * Roles online now, for a transport that knows presence (a broker); `undefined` for a static
   * peer list, whose peers are all addressable whether up or not.
   */
  online?: readonly string[];
}

/** Outbound side of a transport, with its lifecycle. */
export interface PeerTransport {
  /**
   * Binds a transport that also receives (a broker) to the node's receiving side: once, before
   * {@linkcode start}; a second bind throws. A transport without it receives nothing itself
   * (HTTP: the listener serves the node's handler).
   */
  bind?(receiver: Receiver): void;
  /** Connects and joins; resolves when ready or failed (see {@linkcode status}); never throws. */
  start(): Promise<void>;
  /** The peers a message can go to now: static PEERS, or the members a broker knows of. */
  peers(): readonly Peer[];
  /** Makes one delivery attempt; never throws for a peer that is away. */
  deliver(peer: Peer, envelope: Envelope): Promise<DeliveryOutcome>;
  /** Live status of one peer. */
  probe(peer: Peer): Promise<ProbeOutcome>;
  /**
   * Tells `peer`'s node that this session read some of its messages (best effort: a peer that
   * does not take receipts, such as a v2 node, simply gets none). Optional.
   */
  receipt?(peer: Peer, receipt: Receipt): Promise<void>;
  /** The transport's own state. */
  status(): TransportStatus;
  /** Stops the transport's background work. Idempotent. */
  close(): Promise<void>;
}
