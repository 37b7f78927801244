/**
 * Pinning, trust on first use as SSH does it: a receiver pins a role to the fingerprint of the
 * node key it first saw signing for that role (or to one given up front in `PEERS`), and from
 * then on takes nothing claiming that role unless that key signed it. A sender with the mesh
 * secret and no node key (a webhook, a v2 node) keeps working under any name nobody pinned.
 *
 * @module
 */

/** One pin: a role and the fingerprint of its node key. */
export interface Pin {
  /** The role. */
  role: string;
  /** `SHA256:…` (see `core/node_key.ts`). */
  fingerprint: string;
  /** When it was pinned, Unix milliseconds. */
  pinnedAt: number;
}

/** Where pins are kept (the store's `pins` table, or memory). */
export interface PinStore {
  /** The pin of `role`, if any. */
  get(role: string): Pin | undefined;
  /** Pins `role` to `fingerprint`, replacing any pin. */
  set(role: string, fingerprint: string, atMs: number): void;
  /** Removes the pin of `role`; returns whether there was one. */
  delete(role: string): boolean;
  /** Every pin. */
  all(): Pin[];
}

/** What kind of sender a message came from: a node that signed with its key, or a webhook. */
export type SenderKind = "node" | "webhook";

/** The verdict of {@linkcode Pins.judge}. */
export type PinVerdict = { ok: true; sender: SenderKind } | { ok: false; reason: string };

/** Options of {@linkcode Pins}. */
export interface PinsOptions {
  /** Where pins made on first contact are kept. */
  store: PinStore;
  /** Pins given up front (`PEERS` entries with `#SHA256:…`), role → fingerprint; they win. */
  configured?: ReadonlyMap<string, string>;
  /** Where a new pin and the first refusal of each kind are logged. */
  log: (line: string) => void;
  /** Clock, Unix milliseconds. */
  now?: () => number;
}

/** The pin rule of one node. */
export class Pins {
  readonly #o: PinsOptions;
  readonly #logged = new Set<string>();

  /** Makes the pin rule of one node. */
  constructor(options: PinsOptions) {
    this.#o = options;
  }

  /** The fingerprint `role` is pinned to (configured first, then on first contact). */
  fingerprint(role: string): string | undefined {
    return this.#o.configured?.get(role) ?? this.#o.store.get(role)?.fingerprint;
  }

  /**
   * Judges who may speak as `role`: `signer` is the fingerprint of the node key whose
   * signature was verified, or undefined for a sender without one. A first signer is pinned.
   * A refusal's reason names the role and both fingerprints, and is logged once.
   */
  judge(role: string, signer: string | undefined): PinVerdict {
    const pinned = this.fingerprint(role);
    if (signer !== undefined && pinned === undefined) {
      try {
        this.#o.store.set(role, signer, (this.#o.now ?? Date.now)());
        this.#o.log(`pinned "${role}" to ${signer} (first contact)`);
      } catch (e) {
        this.#o.log(`Cannot keep the pin of "${role}": ${(e as Error).message}`);
      }
      return { ok: true, sender: "node" };
    }
    if (signer === pinned) return { ok: true, sender: signer ? "node" : "webhook" };
    const reason = signer === undefined
      ? `"${role}" is pinned to node key ${pinned}, and this was signed by no node key (a ` +
        "webhook must use a name no node is pinned to)"
      : `"${role}" is pinned to node key ${pinned}, and this was signed by ${signer} ` +
        `(if "${role}"'s key really changed, run: claude-talkie-walkie pin ${role} ${signer})`;
    const key = `${role} ${signer}`;
    if (!this.#logged.has(key)) {
      this.#logged.add(key);
      this.#o.log(`Refused: ${reason}`);
    }
    return { ok: false, reason };
  }
}
