/**
 * The HTTP mesh transport: static peers from PEERS, `POST /message` signed with Standard
 * Webhooks for peers that verify signatures, the `X-Intercom-Secret` header for v2 peers.
 *
 * @module
 */

import type { Peer } from "../node/transport.ts";
import type { DeliveryOutcome, ProbeOutcome } from "../core/outcome.ts";
import { deliver, probe, sendReceipt } from "./client.ts";
import type { Receipt } from "../node/receipts.ts";
import type { Envelope } from "../core/envelope.ts";
import type { NodeKeys } from "../core/node_key.ts";
import type { Privacy } from "../node/privacy.ts";
import { signatureKey } from "../core/signature.ts";
import type { PeerTransport, TransportStatus } from "../node/transport.ts";

/** Options for {@linkcode HttpTransport}. */
export interface HttpTransportOptions {
  peers: Peer[];
  secret: string;
  /** Always sign, never send the secret header (INTERCOM_REQUIRE_SIGNATURE). */
  requireSignature?: boolean;
  /** Send the secret header to a v2 peer even over HTTPS (INTERCOM_ALLOW_SECRET_HEADER). */
  allowSecretHeader?: boolean;
  /** Timeout of one delivery, in milliseconds (default 5 000). */
  timeoutMs?: number;
  /** Timeout of one `/health` probe, in milliseconds (default 1 500). */
  probeTimeoutMs?: number;
  /** Where warnings go (a peer without signature support). */
  log?: (message: string) => void;
  /** fetch, injected for tests and for a private CA. */
  fetch?: typeof fetch;
  /** This node's keys, signing every signed request too. */
  nodeKeys?: NodeKeys;
  /** Seals texts to peers' keys (learned from their `/health`). */
  privacy?: Privacy;
}

/** Delivers over HTTP to the peers in PEERS. */
export class HttpTransport implements PeerTransport {
  #o: HttpTransportOptions;
  #key: Uint8Array;
  /** Per peer: whether its `/health` advertised Standard Webhooks signatures. */
  #signs = new Map<string, boolean>();
  /** Peers that advertised signatures once: never downgraded to the secret header. */
  #everSigned = new Set<string>();

  constructor(options: HttpTransportOptions) {
    this.#o = options;
    this.#key = signatureKey(options.secret);
  }

  /** Nothing to connect: peers are reached per request. */
  start(): Promise<void> {
    return Promise.resolve();
  }

  peers(): readonly Peer[] {
    return this.#o.peers;
  }

  status(): TransportStatus {
    return { scope: "PEERS" };
  }

  /**
   * Whether to sign for this peer: always when required; otherwise when its `/health` says it
   * verifies signatures. A v2 peer gets the secret header, with a warning once.
   */
  async #signFor(peer: Peer): Promise<boolean> {
    if (this.#o.requireSignature) return true;
    const known = this.#signs.get(peer.name);
    if (known !== undefined) return known;
    const health = await this.probe(peer);
    // Unknown while the peer is down: sign, and ask again on the next attempt. An address that
    // answers as another role is not that peer: it gets a signature, never the secret.
    return health.state === "online" ? health.signatures : true;
  }

  #learn(peer: Peer, signatures: boolean): void {
    if (signatures) this.#everSigned.add(peer.name);
    else if (this.#everSigned.has(peer.name)) {
      // A node that verified signatures and stops: something else answers there now.
      if (this.#signs.get(peer.name) === true) {
        this.#o.log?.(
          `warning: "${peer.name}" no longer advertises signatures but did before: still ` +
            "signing, never sending it the secret",
        );
      }
      this.#signs.set(peer.name, true);
      return;
    }
    if (!signatures && this.#signs.get(peer.name) !== false) {
      this.#o.log?.(
        `warning: "${peer.name}" does not verify signatures (a v2 node?): sending it the secret ` +
          "in the X-Intercom-Secret header. INTERCOM_REQUIRE_SIGNATURE=1 refuses that",
      );
    }
    this.#signs.set(peer.name, signatures);
  }

  async deliver(peer: Peer, envelope: Envelope): Promise<DeliveryOutcome> {
    const sign = await this.#signFor(peer);
    if (!sign && peer.url.startsWith("https:") && !this.#o.allowSecretHeader) {
      return {
        ok: false,
        kind: "refused",
        retryable: false,
        reason: `"${peer.name}" does not verify signatures (a v2 node?) and is reached over ` +
          "HTTPS, where anyone can answer as it: the secret is not sent in the " +
          "X-Intercom-Secret header. Upgrade that node, or set INTERCOM_ALLOW_SECRET_HEADER=1 " +
          "if the address is surely yours",
      };
    }
    const wire = await this.#wire(peer, envelope);
    if (!wire.ok) {
      const kind = wire.retryable ? "unreachable" : "refused";
      return { ok: false, kind, reason: wire.reason, retryable: wire.retryable };
    }
    const outcome = await deliver(peer, envelope, {
      secret: this.#o.secret,
      signingKey: sign ? this.#key : undefined,
      nodeKeys: this.#o.nodeKeys,
      timeoutMs: this.#o.timeoutMs ?? 5_000,
      fetch: this.#o.fetch,
    }, wire.body);
    if (!outcome.ok) return outcome;
    const notes = [
      ...(sign ? [] : [
        `the secret went in the X-Intercom-Secret header: "${peer.name}" does not verify ` +
        "signatures (a v2 node?); INTERCOM_REQUIRE_SIGNATURE=1 refuses that",
      ]),
      ...(wire.note ? [wire.note] : []),
    ];
    return notes.length ? { ...outcome, reason: notes.join("; ") } : outcome;
  }

  /** The body for `peer`: sealed to its key once its `/health` showed it (see Privacy). */
  async #wire(peer: Peer, envelope: Envelope): Promise<ReturnType<Privacy["wire"]>> {
    const privacy = this.#o.privacy;
    if (!privacy) return { ok: true, body: { ...envelope } };
    if (peer.anyRole) {
      const note = "sent unencrypted: a REMOTE_HOST peer names no role whose key could be pinned";
      return { ok: true, body: { ...envelope }, note };
    }
    if (!privacy.knows(peer.name)) await this.probe(peer);
    // Still unknown (down, another role or another secret answers there): the attempt goes on
    // and its answer is the outcome, the text sealed with the mesh secret in the meantime.
    return privacy.wire(peer.name, envelope, { unknown: "mesh" });
  }

  async probe(peer: Peer): Promise<ProbeOutcome> {
    const outcome = await probe(peer, {
      timeoutMs: this.#o.probeTimeoutMs ?? 1_500,
      signingKey: this.#key,
      fetch: this.#o.fetch,
    });
    // Only the peer itself teaches how to reach it, not whatever answers at its address.
    if (outcome.state === "online") {
      this.#learn(peer, outcome.signatures);
      // A key card counts only from a node that verified our signature: a mesh member.
      if (!peer.anyRole && outcome.authenticated !== false) {
        this.#o.privacy?.learn(peer.name, outcome.nodeKey);
      }
    }
    return outcome;
  }

  async receipt(peer: Peer, receipt: Receipt): Promise<void> {
    await sendReceipt(peer, receipt, {
      signingKey: this.#key,
      nodeKeys: this.#o.nodeKeys,
      timeoutMs: this.#o.probeTimeoutMs ?? 1_500,
      fetch: this.#o.fetch,
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
