/**
 * The node's receiving side as a transport sees it ({@linkcode Receiver}): the receive rules'
 * context, the signature key, and what `/health` tells anyone. A transport that carries only
 * signed messages (a broker) checks them with {@linkcode verifySigned}; the HTTP handler has
 * its own checks for the secret header and the throttle.
 *
 * @module
 */

import type { KeyCard } from "../core/node_key.ts";
import {
  verifySignature,
  WEBHOOK_ID,
  WEBHOOK_SIGNATURE,
  WEBHOOK_TIMESTAMP,
} from "../core/signature.ts";
import type { Answer, ReceiveContext } from "./receive.ts";
import type { OperatorReceiver } from "./operator.ts";

/** What a transport needs to hand inbound messages to the node. */
export interface Receiver {
  /** The receive rules' context (see `receive`). */
  context: ReceiveContext;
  /** HMAC key of Standard Webhooks signatures, from the mesh secret (`signatureKey`). */
  key: Uint8Array;
  /** What `/health` says to anyone: role, peers, version, the protocols spoken. */
  health(): Record<string, unknown>;
  /** More fields of a watcher's `hello` (the pending permission prompts). */
  hello?(): Record<string, unknown>;
  /** The human operator's requests (`node/operator.ts`). */
  operator?: OperatorReceiver;
}

/** What {@linkcode healthBody} reports. */
export interface HealthFacts {
  /** This node's role. */
  role: string;
  /** Peer names: static PEERS, or a broker's members. */
  peers: () => readonly string[];
  /** Roles online now (broker mode); none when undefined. */
  online: () => readonly string[] | undefined;
  /** This node's version. */
  version: string;
  /** Whether the node refuses the secret header alone. */
  requireSignature: boolean;
  /** This node's key card: its public keys and fingerprint (never a private key). */
  nodeKey?: KeyCard;
}

/**
 * The body of `/health` for any caller: `{"status":"ok","role","peers","online"?,"version",
 * "signatures":["v1"],"require_signature","receipts":true}`.
 */
export function healthBody(facts: HealthFacts): Record<string, unknown> {
  const online = facts.online();
  return {
    status: "ok",
    role: facts.role,
    peers: facts.peers(),
    ...(online ? { online } : {}),
    version: facts.version,
    // Peers sign their requests to us (Standard Webhooks v1) instead of sending the secret.
    signatures: ["v1"],
    require_signature: facts.requireSignature,
    receipts: true,
    ...(facts.nodeKey ? { node_key: facts.nodeKey } : {}),
  };
}

/** The 401 of a message with neither a signature nor the secret header. */
export const MISSING_AUTH: string =
  "Missing X-Intercom-Secret header (or a Standard Webhooks signature): send the mesh's " +
  "INTERCOM_SECRET";

/**
 * Checks the Standard Webhooks signature of a message that carries its headers apart (a broker
 * message), as of `nowSeconds` (Unix seconds): the time it arrived, or the time a broker
 * stored it (`by` says which).
 *
 * @returns how it was verified, or the 401 answer saying why not.
 */
export function verifySigned<By extends "signature" | "stored">(
  key: Uint8Array,
  header: (name: string) => string,
  body: Uint8Array,
  options: { nowSeconds: number; by: By },
): { by: By; id: string } | Answer {
  const headers = new Headers();
  for (const name of [WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE]) {
    const value = header(name);
    if (value !== "") headers.set(name, value);
  }
  if (!headers.has(WEBHOOK_SIGNATURE)) {
    return { status: 401, body: { ok: false, error: MISSING_AUTH } };
  }
  const checked = verifySignature(key, { headers, body }, { nowSeconds: options.nowSeconds });
  if (!checked.ok) {
    return { status: 401, body: { ok: false, error: `Signature rejected: ${checked.reason}` } };
  }
  return { by: options.by, id: checked.id };
}
