/**
 * Private text between two nodes: what a person wrote travels encrypted to the recipient's
 * X25519 key, so nothing between the two nodes (a relay, a tunnel, a broker subscriber) reads
 * it.
 *
 * The key of a sender→recipient pair is HKDF-SHA256 (RFC 5869) of the X25519 shared secret
 * (RFC 7748) of the sender's and the recipient's keys, salt empty, info
 * `talkie-seal-v1\n<sender x25519>\n<recipient x25519>`; the text is AES-256-GCM with a random
 * 96-bit nonce, and the envelope's ids and time (`talkie-seal-v1\n<message_id>\n<from>\n<to>\n
 * <sent_at>`) as associated data, so a sealed text cannot be moved to another envelope.
 *
 * The sealed object on the wire: `{"v":1,"key":"x25519:…","to":"x25519:…","nonce":"…",
 * "data":"…"}` (base64; `data` is the ciphertext and the 16-byte tag). Keys of a pair are
 * derived once and kept.
 *
 * Events for viewers (`viewer --nats`) and the session line of `/health` are sealed with a key
 * derived from the mesh secret instead ({@linkcode meshSealer}), readable by mesh members only.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from "node:crypto";

const DOMAIN = "talkie-seal-v1";
const PREFIX = "x25519:";
const BASE64 = /^[A-Za-z0-9+/]{43}=$/;

/** A text sealed for one recipient, as it travels. */
export interface Sealed {
  /** Format version: 1. */
  v: 1;
  /** The sender's X25519 public key, `x25519:<base64>`. */
  key: string;
  /** The recipient's X25519 public key it was sealed for. */
  to: string;
  /** Base64 of the 12-byte nonce. */
  nonce: string;
  /** Base64 of the ciphertext and its 16-byte tag. */
  data: string;
}

/** The envelope fields bound to a sealed text (its associated data). */
export interface SealBinding {
  /** The envelope's `message_id`. */
  message_id: string;
  /** The sender's role. */
  from: string;
  /** The recipient's role. */
  to: string;
  /** The envelope's `sent_at`. */
  sent_at: string;
}

/** Reads `x25519:<base64>` as a public key. @throws {TypeError} when it is not one. */
export function parseBoxKey(text: string): KeyObject {
  const b64 = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : "";
  if (!BASE64.test(b64)) throw new TypeError("is not x25519: and a 32-byte base64 key");
  return createPublicKey({
    key: { kty: "OKP", crv: "X25519", x: Buffer.from(b64, "base64").toString("base64url") },
    format: "jwk",
  });
}

const aad = (b: SealBinding) =>
  Buffer.from(`${DOMAIN}\n${b.message_id}\n${b.from}\n${b.to}\n${b.sent_at}`, "utf8");

/**
 * Seals and opens texts with one node's X25519 key; the key of each peer is derived once.
 *
 * @example
 * ```ts
 * import { generateNodeKeys } from "./node_key.ts";
 * const a = generateNodeKeys(), b = generateNodeKeys();
 * const env = { message_id: "m1", from: "a", to: "b", sent_at: "2026-12-07T00:00:00.000Z" };
 * const sealed = new Sealer(a.box, a.boxPublicKey).seal("hi", b.boxPublicKey, env);
 * new Sealer(b.box, b.boxPublicKey).open(sealed, env); // "hi"
 * ```
 */
export class Sealer {
  readonly #own: KeyObject;
  readonly #ownPublic: string;
  readonly #keys = new Map<string, Buffer>();

  /**
   * Makes a sealer for one node.
   *
   * @param own this node's X25519 private key; `ownPublic` its `x25519:` text.
   */
  constructor(own: KeyObject, ownPublic: string) {
    this.#own = own;
    this.#ownPublic = ownPublic;
  }

  #key(sender: string, recipient: string, peer: string): Buffer {
    const name = `${sender} ${recipient}`;
    let key = this.#keys.get(name);
    if (key === undefined) {
      const shared = diffieHellman({ privateKey: this.#own, publicKey: parseBoxKey(peer) });
      const info = Buffer.from(`${DOMAIN}\n${sender}\n${recipient}`, "utf8");
      key = Buffer.from(hkdfSync("sha256", shared, Buffer.alloc(0), info, 32));
      if (this.#keys.size > 1024) this.#keys.clear();
      this.#keys.set(name, key);
    }
    return key;
  }

  /**
   * Seals `text` for the holder of `recipient` (`x25519:…`), bound to `binding`.
   *
   * @throws {TypeError} when `recipient` is not an X25519 key.
   */
  seal(text: string, recipient: string, binding: SealBinding): Sealed {
    const nonce = randomBytes(12);
    const cipher = createCipheriv(
      "aes-256-gcm",
      this.#key(this.#ownPublic, recipient, recipient),
      nonce,
    );
    cipher.setAAD(aad(binding));
    const data = Buffer.concat([cipher.update(text, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return {
      v: 1,
      key: this.#ownPublic,
      to: recipient,
      nonce: nonce.toString("base64"),
      data: data.toString("base64"),
    };
  }

  /**
   * Opens a text sealed for this node.
   *
   * @throws {TypeError} saying why it cannot be opened: another recipient key, a malformed
   *   object, or a text that was altered or moved to another envelope.
   */
  open(sealed: unknown, binding: SealBinding): string {
    const s = sealed as Partial<Sealed> | null;
    if (
      s === null || typeof s !== "object" || s.v !== 1 || typeof s.key !== "string" ||
      typeof s.nonce !== "string" || typeof s.data !== "string"
    ) {
      throw new TypeError('"sealed" must be {"v":1,"key","to","nonce","data"}');
    }
    if (s.to !== this.#ownPublic) {
      throw new TypeError(
        "the text was encrypted for another node key (did this node's key change?)",
      );
    }
    const nonce = Buffer.from(s.nonce, "base64");
    const data = Buffer.from(s.data, "base64");
    if (nonce.length !== 12 || data.length < 16) throw new TypeError('"sealed" is malformed');
    let key: Buffer;
    try {
      key = this.#key(s.key, this.#ownPublic, s.key);
    } catch {
      throw new TypeError('"sealed" names a sender key that is not an X25519 key');
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, nonce);
      decipher.setAAD(aad(binding));
      decipher.setAuthTag(data.subarray(data.length - 16));
      return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()])
        .toString("utf8");
    } catch {
      throw new TypeError("the encrypted text does not open: altered, or not for this envelope");
    }
  }
}

/** Seals and opens data with a key derived from the mesh secret (AES-256-GCM). */
export interface MeshSealer {
  /**
   * `{"sealed":"<base64 nonce + ciphertext + tag>"}` of the JSON of `value`, bound to
   * `binding` (its associated data) when given.
   */
  seal(value: unknown, binding?: SealBinding): { sealed: string };
  /**
   * The value sealed in `sealed` (with the same `binding`).
   *
   * @throws {TypeError} when it does not open with this key.
   */
  open(sealed: string, binding?: SealBinding): unknown;
}

/**
 * A sealer keyed by HKDF-SHA256 of the mesh secret's signature key (`signatureKey`), info
 * `talkie-mesh-v1\n<purpose>`: every mesh member can read, nobody without the secret can.
 */
export function meshSealer(secretKey: Uint8Array, purpose: string): MeshSealer {
  const info = Buffer.from(`talkie-mesh-v1\n${purpose}`, "utf8");
  const key = Buffer.from(hkdfSync("sha256", secretKey, Buffer.alloc(0), info, 32));
  return {
    seal(value, binding) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, nonce);
      if (binding) cipher.setAAD(aad(binding));
      const body = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
      return { sealed: Buffer.concat([nonce, body, cipher.getAuthTag()]).toString("base64") };
    },
    open(sealed, binding) {
      const all = Buffer.from(sealed, "base64");
      if (all.length < 28) throw new TypeError("the sealed data is too short");
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, all.subarray(0, 12));
        if (binding) decipher.setAAD(aad(binding));
        decipher.setAuthTag(all.subarray(all.length - 16));
        const text = Buffer.concat([
          decipher.update(all.subarray(12, all.length - 16)),
          decipher.final(),
        ]).toString("utf8");
        return JSON.parse(text);
      } catch {
        throw new TypeError("the sealed data does not open with this mesh secret");
      }
    },
  };
}
