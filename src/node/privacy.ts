/**
 * What a node sends a peer on the wire: the text sealed to the peer's X25519 key when the peer
 * showed a key card that matches its pin, plain only to a peer known to have no node key (a v2
 * node, an earlier version), and never plain to a role pinned to a key (no downgrade). The
 * transports learn peers' key cards (`/health`, broker presence and roster) and ask here for
 * each message's body; the receive rules open sealed texts with {@linkcode Privacy.open}.
 *
 * @module
 */

import { checkKeyCard, type NodeKeys } from "../core/node_key.ts";
import type { Envelope } from "../core/envelope.ts";
import { type MeshSealer, meshSealer, type SealBinding, Sealer } from "../core/seal.ts";
import type { Pins } from "./pins.ts";

/** The body to send for one message, or why it cannot be sent now. */
export type WireBody =
  | { ok: true; body: Record<string, unknown>; note?: string }
  | { ok: false; reason: string; retryable: boolean };

/** The fields a person wrote: sealed together, never sent beside the sealed object. */
const PRIVATE = ["message", "reply_to"] as const;

/** The sender's X25519 key a sealed body names (`sealed.key`), if it names one. */
function sealKey(body: Record<string, unknown>): string | undefined {
  const key = (body.sealed as { key?: unknown } | null | undefined)?.key;
  return typeof key === "string" ? key : undefined;
}

/** One node's sealing and the key cards it learned. */
export class Privacy {
  readonly #sealer: Sealer;
  readonly #mesh: MeshSealer;
  readonly #pins: Pins;
  /** Verified X25519 keys of peers and the fingerprints of their signing keys, by role. */
  readonly #boxes = new Map<string, { box: string; fingerprint: string }>();
  /** Seal keys of peers proven by a message their node signed, by role (see `prove`). */
  readonly #proven = new Map<string, { box: string; fingerprint: string }>();
  /** Peers seen online without a key card. */
  readonly #none = new Set<string>();
  /** Why a peer's card was not taken, by role. */
  readonly #problems = new Map<string, string>();

  /**
   * Makes the sealing of one node: `keys` are its own, `pins` say whose card to trust.
   *
   * @param secretKey the mesh secret's key (`signatureKey`), for texts to a role whose node key
   *   was never seen (a broker role that has not started yet).
   */
  constructor(keys: NodeKeys, pins: Pins, secretKey: Uint8Array) {
    this.#sealer = new Sealer(keys.box, keys.boxPublicKey);
    this.#mesh = meshSealer(secretKey, "text");
    this.#pins = pins;
  }

  /**
   * Learns what `role` showed: its key card (untrusted JSON), or none (`undefined`: it has no
   * node key). A card must verify and match the role's pin (a first card pins it).
   *
   * @returns whether what it showed is acceptable (a card that is not is logged once, by
   *   the pins).
   */
  learn(role: string, card: unknown): boolean {
    if (card === undefined || card === null) {
      this.#boxes.delete(role);
      const pinned = this.#pins.fingerprint(role);
      if (pinned === undefined) {
        this.#none.add(role);
        this.#problems.delete(role);
        return true;
      }
      this.#problems.set(
        role,
        `"${role}" is pinned to node key ${pinned} but now shows no node key to encrypt to, and ` +
          "the text is not sent unencrypted (if that node really lost its key, run: " +
          `claude-talkie-walkie pin ${role})`,
      );
      return false;
    }
    const checked = checkKeyCard(card, role);
    const verdict = checked.ok
      ? this.#pins.judge(role, checked.fingerprint)
      : { ok: false as const, reason: `"${role}" answered with a bad key: ${checked.reason}` };
    if (!verdict.ok || !checked.ok) {
      this.#boxes.delete(role);
      this.#problems.set(role, verdict.ok ? "" : verdict.reason);
      return false;
    }
    this.#none.delete(role);
    this.#problems.delete(role);
    this.#boxes.set(role, { box: checked.box, fingerprint: checked.fingerprint });
    return true;
  }

  /** Whether anything is known of `role`'s key (a card, or that it has none). */
  knows(role: string): boolean {
    return this.#boxes.has(role) || this.#none.has(role) || this.#problems.has(role);
  }

  /**
   * The wire body of `envelope` for `role`: sealed to its key; plain with a note saying why
   * for a peer without a node key; refused for a pinned peer without a usable key, or a peer
   * whose key is not known yet (retryable: learn it first).
   */
  wire(role: string, envelope: Envelope, options: { unknown?: "wait" | "mesh" } = {}): WireBody {
    const box = this.#boxes.get(role)?.box;
    const { message_id, from, to, sent_at } = envelope;
    const binding = { message_id, from, to, sent_at };
    const secret: Record<string, string> = {};
    for (const k of PRIVATE) if (envelope[k] !== undefined) secret[k] = envelope[k]!;
    if (box !== undefined) {
      const sealed = this.#sealer.seal(JSON.stringify(secret), box, binding);
      return { ok: true, body: { ...binding, sealed } };
    }
    const problem = this.#problems.get(role);
    if (problem !== undefined) return { ok: false, reason: problem, retryable: false };
    if (this.#none.has(role)) {
      return {
        ok: true,
        body: { ...envelope },
        note: `sent unencrypted: "${role}" has no node key (a v2 node or an earlier version)`,
      };
    }
    if (options.unknown === "mesh") {
      // Never seen: its key is unknown, so the text is sealed for every mesh member instead.
      const { sealed } = this.#mesh.seal(secret, binding);
      const note = `encrypted with the mesh secret only: "${role}" has not shown its node key yet`;
      return { ok: true, body: { ...binding, sealed }, note };
    }
    return {
      ok: false,
      reason: `"${role}"'s node key is not known yet (it has not answered since this node ` +
        "started): the text waits rather than travel unencrypted",
      retryable: true,
    };
  }

  /**
   * Who sealed `body` (a received body whose text {@linkcode open} opened): the fingerprint of
   * `role`'s node when the text was sealed with the X25519 key of the key card `role` showed
   * (signed by its node key, matching its pin) or of a message that node signed ({@linkcode
   * prove}), else undefined. The text opened with the key of that pair, which only that node
   * (and this one) can derive: it proves the sender as much as the node signature does.
   */
  sealer(role: string, body: Record<string, unknown>): string | undefined {
    const key = sealKey(body);
    if (key === undefined) return undefined;
    for (const known of [this.#boxes.get(role), this.#proven.get(role)]) {
      if (known?.box === key) return known.fingerprint;
    }
    return undefined;
  }

  /**
   * Takes the seal key of `body` (received, opened, its node signature verified as
   * `fingerprint`'s and judged by `role`'s pin) as that node's: the signature covers the seal's
   * key, and the text opened with it.
   */
  prove(role: string, body: Record<string, unknown>, fingerprint: string): void {
    const key = sealKey(body);
    if (key === undefined) return;
    if (this.#proven.size >= 1024) this.#proven.clear();
    this.#proven.set(role, { box: key, fingerprint });
  }

  /**
   * The envelope fields of a received body with its sealed text opened (the body itself when
   * nothing is sealed).
   *
   * @throws {TypeError} saying why the sealed text cannot be opened.
   */
  open(body: Record<string, unknown>): Record<string, unknown> {
    if (body.sealed === undefined) return body;
    const binding: Partial<SealBinding> = body;
    for (const k of ["message_id", "from", "to", "sent_at"] as const) {
      if (typeof binding[k] !== "string") {
        throw new TypeError(`A sealed message needs "${k}" as a string`);
      }
    }
    let inner: Record<string, unknown>;
    if (typeof body.sealed === "string") {
      inner = this.#mesh.open(body.sealed, binding as SealBinding) as Record<string, unknown>;
    } else {
      const text = this.#sealer.open(body.sealed, binding as SealBinding);
      try {
        inner = JSON.parse(text);
      } catch {
        throw new TypeError("The sealed text is not JSON");
      }
    }
    const opened: Record<string, unknown> = { ...body };
    delete opened.sealed;
    for (const k of PRIVATE) opened[k] = inner?.[k];
    return opened;
  }
}
