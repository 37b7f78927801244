/**
 * What the NATS client's nkeys use of tweetnacl, made of `node:crypto`: Ed25519 key pairs from a
 * 32-byte seed, detached signatures and their check (RFC 8032; the same bytes as tweetnacl's,
 * which is deterministic), and random bytes. The npm bundle holds this in place of tweetnacl
 * (33 kB), see `scripts/_bundle_trim.ts`: a creds file (INTERCOM_NATS_CREDS) signs the server's
 * nonce with it. xkeys (X25519 sealed boxes) are not used by the client and throw.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes as cryptoRandomBytes,
  sign as cryptoSign,
  verify as cryptoVerify,
} from "node:crypto";

// DER headers of an Ed25519 private key (PKCS #8) and public key (SPKI), RFC 8410, before the
// 32 raw bytes.
const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_ED25519 = Buffer.from("302a300506032b6570032100", "hex");

/** An Ed25519 key pair in tweetnacl's layout: `secretKey` is the seed then the public key. */
export interface SignKeyPair {
  /** 32 bytes. */
  publicKey: Uint8Array;
  /** 64 bytes: seed (32) and public key (32). */
  secretKey: Uint8Array;
}

/** tweetnacl's checks, with its messages. */
function check(value: Uint8Array, what: string, length?: number): void {
  if (!(value instanceof Uint8Array)) throw new TypeError("unexpected type, use Uint8Array");
  if (length !== undefined && value.length !== length) throw new Error(`bad ${what} size`);
}

const privateKey = (seed: Uint8Array): KeyObject =>
  createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: "der", type: "pkcs8" });

/**
 * The key pair of a 32-byte seed (tweetnacl's `sign.keyPair.fromSeed`).
 *
 * @throws {Error} "bad seed size" unless the seed has 32 bytes.
 */
function fromSeed(seed: Uint8Array): SignKeyPair {
  check(seed, "seed", 32);
  const spki = createPublicKey(privateKey(seed)).export({ format: "der", type: "spki" });
  const publicKey = new Uint8Array(spki.subarray(SPKI_ED25519.length));
  const secretKey = new Uint8Array(64);
  secretKey.set(seed);
  secretKey.set(publicKey, 32);
  return { publicKey, secretKey };
}

/**
 * The 64-byte Ed25519 signature of `message` (tweetnacl's `sign.detached`).
 *
 * @throws {Error} "bad secret key size" unless the secret key has 64 bytes.
 */
function detached(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  check(message, "message");
  check(secretKey, "secret key", 64);
  return new Uint8Array(cryptoSign(null, message, privateKey(secretKey.subarray(0, 32))));
}

/**
 * Whether `signature` is `publicKey`'s Ed25519 signature of `message` (tweetnacl's
 * `sign.detached.verify`): false for a key that is no curve point, as tweetnacl.
 *
 * @throws {Error} "bad signature size" or "bad public key size" for wrong lengths.
 */
detached.verify = (message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array) => {
  check(message, "message");
  check(signature, "signature", 64);
  check(publicKey, "public key", 32);
  try {
    const key = createPublicKey({
      key: Buffer.concat([SPKI_ED25519, publicKey]),
      format: "der",
      type: "spki",
    });
    return cryptoVerify(null, message, key, signature);
  } catch {
    return false;
  }
};

const noXkeys = (): never => {
  throw new Error(
    "Cannot use an xkey (X25519 sealed box): this build of the NATS client signs with nkeys only",
  );
};

/** The parts of tweetnacl's default export that nkeys calls. */
const nacl = {
  sign: { keyPair: { fromSeed }, detached },
  /** `n` random bytes from the system's CSPRNG. */
  randomBytes: (n: number): Uint8Array => new Uint8Array(cryptoRandomBytes(n)),
  box: Object.assign(noXkeys, { open: noXkeys }),
  scalarMult: Object.assign(noXkeys, { base: noXkeys }),
};

export default nacl;
