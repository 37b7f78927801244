/**
 * Node keys: every node has an Ed25519 key pair that signs what it sends (on top of the mesh
 * secret's Standard Webhooks HMAC) and an X25519 key pair for encryption. A receiver pins a role
 * to the fingerprint of the key it first saw signing for it (`node/pins.ts`).
 *
 * Two headers travel with a node-signed request, over HTTP and NATS alike:
 * `talkie-node-key` (`ed25519:` + base64 of the 32 raw public key bytes, as the operator's key is
 * written) and `talkie-node-signature` (`ed25519,` + base64 of the 64-byte signature). The signed
 * bytes are the UTF-8 of
 *
 * ```
 * talkie-node-v1\n<webhook-id>\n<webhook-timestamp>\n<body>
 * ```
 *
 * so the node signature covers exactly what the Standard Webhooks signature covers.
 *
 * A fingerprint is `SHA256:` + unpadded base64url of the SHA-256 of the 32 raw Ed25519 public
 * key bytes (the shape of OpenSSH's, URL-safe so it fits a `PEERS` entry).
 *
 * Pure: no files, no clock.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { formatOperatorPublicKey, parseOperatorPublicKey } from "./operator_signature.ts";
import { WEBHOOK_TIMESTAMP } from "./signature.ts";

export { isFingerprint } from "./fingerprint.ts";

/** Header with the sender's Ed25519 public key, `ed25519:<base64>`. */
export const NODE_KEY = "talkie-node-key";
/** Header with `ed25519,<base64 signature>`. */
export const NODE_SIGNATURE = "talkie-node-signature";

const DOMAIN = "talkie-node-v1";

/** A node's key pairs. */
export interface NodeKeys {
  /** Ed25519 private key (signs). */
  signing: KeyObject;
  /** Ed25519 public key as sent: `ed25519:<base64>`. */
  publicKey: string;
  /** X25519 private key (decrypts). */
  box: KeyObject;
  /** X25519 public key: `x25519:<base64>` of the 32 raw bytes. */
  boxPublicKey: string;
  /** Fingerprint of the Ed25519 public key, `SHA256:…`. */
  fingerprint: string;
}

/**
 * The fingerprint of an `ed25519:<base64>` public key: `SHA256:` + base64url of its SHA-256.
 *
 * @throws {TypeError} when the text is not an Ed25519 public key.
 */
export function fingerprintOf(publicKey: string): string {
  const raw = parseOperatorPublicKey(publicKey).export({ format: "der", type: "spki" });
  const digest = createHash("sha256").update(raw.subarray(raw.length - 32)).digest();
  return "SHA256:" + Buffer.from(digest).toString("base64url");
}

function rawPublic(key: KeyObject): Buffer {
  const der = key.export({ format: "der", type: "spki" });
  return Buffer.from(der.subarray(der.length - 32));
}

function keysOf(signing: KeyObject, box: KeyObject): NodeKeys {
  const publicKey = formatOperatorPublicKey(createPublicKey(signing));
  return {
    signing,
    publicKey,
    box,
    boxPublicKey: "x25519:" + rawPublic(createPublicKey(box)).toString("base64"),
    fingerprint: fingerprintOf(publicKey),
  };
}

/** A new pair of key pairs (Ed25519 and X25519). */
export function generateNodeKeys(): NodeKeys {
  return keysOf(
    generateKeyPairSync("ed25519").privateKey,
    generateKeyPairSync("x25519").privateKey,
  );
}

/**
 * The key file's text: JSON `{"ed25519":…,"x25519":…}`, each the base64 PKCS #8 DER of the
 * private key. Holds secrets: write it readable by its owner only.
 */
export function encodeNodeKeys(keys: NodeKeys): string {
  const der = (k: KeyObject) =>
    Buffer.from(k.export({ format: "der", type: "pkcs8" })).toString("base64");
  return JSON.stringify({ ed25519: der(keys.signing), x25519: der(keys.box) }) + "\n";
}

/**
 * Reads a key file's text written by {@linkcode encodeNodeKeys}.
 *
 * @throws {TypeError} when it is not such a file.
 */
export function decodeNodeKeys(text: string): NodeKeys {
  let fields: { ed25519?: unknown; x25519?: unknown };
  try {
    fields = JSON.parse(text);
  } catch {
    throw new TypeError("is not JSON");
  }
  const load = (value: unknown, type: string) => {
    if (typeof value !== "string") throw new TypeError(`has no ${type} key`);
    const key = createPrivateKey({
      key: Buffer.from(value, "base64"),
      format: "der",
      type: "pkcs8",
    });
    if (key.asymmetricKeyType !== type) throw new TypeError(`has no ${type} key`);
    return key;
  };
  try {
    return keysOf(load(fields?.ed25519, "ed25519"), load(fields?.x25519, "x25519"));
  } catch (e) {
    throw new TypeError(e instanceof TypeError ? e.message : "holds a key that cannot be read");
  }
}

function signedBytes(id: string, timestamp: string, body: string | Uint8Array): Buffer {
  const head = Buffer.from(`${DOMAIN}\n${id}\n${timestamp}\n`, "utf8");
  return Buffer.concat([head, typeof body === "string" ? Buffer.from(body, "utf8") : body]);
}

/**
 * The two node headers of a request whose Standard Webhooks headers carry `id` and
 * `timestamp` (Unix seconds).
 */
export function signNode(
  keys: NodeKeys,
  input: { id: string; timestamp: number | string; body: string | Uint8Array },
): Record<string, string> {
  const signature = sign(null, signedBytes(input.id, String(input.timestamp), input.body), {
    key: keys.signing,
  });
  return {
    [NODE_KEY]: keys.publicKey,
    [NODE_SIGNATURE]: "ed25519," + Buffer.from(signature).toString("base64"),
  };
}

/** The node headers of an inbound request, as received (not yet checked). */
export interface NodeClaim {
  /** `talkie-node-key`. */
  key: string;
  /** `talkie-node-signature`. */
  signature: string;
  /** The `webhook-timestamp` the signature covers. */
  timestamp: string;
}

// The few peers' keys, parsed once: parsing and hashing cost more than some verifications.
const parsed = new Map<string, { key: KeyObject; fingerprint: string }>();
function parsedKey(text: string): { key: KeyObject; fingerprint: string } {
  let known = parsed.get(text);
  if (known === undefined) {
    known = { key: parseOperatorPublicKey(text), fingerprint: fingerprintOf(text) };
    if (parsed.size >= 256) parsed.clear();
    parsed.set(text, known);
  }
  return known;
}

/** The fingerprint of a claim's key (`SHA256:…`), or undefined when it is not an Ed25519 key. */
export function claimFingerprint(claim: NodeClaim): string | undefined {
  try {
    return parsedKey(claim.key).fingerprint;
  } catch {
    return undefined;
  }
}

/**
 * The node headers of a request (with the `webhook-timestamp` they cover), read through `get`;
 * undefined when any is missing.
 */
export function nodeClaimOf(
  get: (name: string) => string | null | undefined,
): NodeClaim | undefined {
  const key = get(NODE_KEY);
  const signature = get(NODE_SIGNATURE);
  const timestamp = get(WEBHOOK_TIMESTAMP);
  return key && signature && timestamp ? { key, signature, timestamp } : undefined;
}

/**
 * Checks a node signature over `id`, the claim's timestamp and `body` (or over `signed`, the
 * exact bytes, when given).
 *
 * @returns the signer's fingerprint, or why the signature is not valid (never throws).
 */
export function verifyNode(
  claim: NodeClaim,
  id: string,
  body: Uint8Array,
  signed: Uint8Array = signedBytes(id, claim.timestamp, body),
): { ok: true; fingerprint: string } | { ok: false; reason: string } {
  let known: { key: KeyObject; fingerprint: string };
  try {
    known = parsedKey(claim.key);
  } catch (e) {
    return { ok: false, reason: `${NODE_KEY} ${(e as Error).message}` };
  }
  const [scheme, b64] = claim.signature.split(",", 2);
  const signature = scheme === "ed25519" && b64 ? Buffer.from(b64, "base64") : undefined;
  if (signature?.length !== 64) {
    return { ok: false, reason: `${NODE_SIGNATURE} must be ed25519, and a base64 signature` };
  }
  if (!verify(null, signed, known.key, signature)) {
    return { ok: false, reason: "the node signature does not verify" };
  }
  return { ok: true, fingerprint: known.fingerprint };
}

/**
 * A node's public keys as it shows them (`/health` `node_key`, its broker presence and roster
 * entries): its fingerprint, Ed25519 key, X25519 key, and `signature`, the Ed25519 signature
 * (`ed25519,<base64>`) of `talkie-keycard-v1\n<role>\n<x25519>`, which binds the encryption key
 * to the signing key and the role.
 */
export interface KeyCard {
  /** `SHA256:…` of `ed25519`. */
  fingerprint: string;
  /** `ed25519:<base64>`. */
  ed25519: string;
  /** `x25519:<base64>`. */
  x25519: string;
  /** `ed25519,<base64>`. */
  signature: string;
}

const cardBytes = (role: string, box: string) =>
  Buffer.from(`talkie-keycard-v1\n${role}\n${box}`, "utf8");

/** The key card of `keys` for `role`. */
export function keyCard(keys: NodeKeys, role: string): KeyCard {
  const signature = sign(null, cardBytes(role, keys.boxPublicKey), keys.signing);
  return {
    fingerprint: keys.fingerprint,
    ed25519: keys.publicKey,
    x25519: keys.boxPublicKey,
    signature: "ed25519," + Buffer.from(signature).toString("base64"),
  };
}

/**
 * Checks a key card (untrusted JSON) claimed for `role`: its signature must verify with its
 * Ed25519 key. Returns the fingerprint and X25519 key it vouches for, or why not.
 */
export function checkKeyCard(
  card: unknown,
  role: string,
): { ok: true; fingerprint: string; box: string } | { ok: false; reason: string } {
  const c = card as Partial<KeyCard> | null;
  if (
    c === null || typeof c !== "object" || typeof c.ed25519 !== "string" ||
    typeof c.x25519 !== "string" || typeof c.signature !== "string"
  ) {
    return { ok: false, reason: "its node key card is missing or malformed" };
  }
  const checked = verifyNode(
    { key: c.ed25519, signature: c.signature, timestamp: "" },
    "",
    new Uint8Array(0),
    cardBytes(role, c.x25519),
  );
  if (!checked.ok) return { ok: false, reason: `its node key card: ${checked.reason}` };
  return { ok: true, fingerprint: checked.fingerprint, box: c.x25519 };
}
