/**
 * Operator signatures: requests only the human operator may make (a permission verdict, an
 * operator message) are signed with an Ed25519 key whose private half stays with the operator.
 * Nodes hold only the public key (`INTERCOM_OPERATOR_KEY=ed25519:<base64 of the 32 raw bytes>`),
 * so neither the mesh secret nor a node's machine can make such a request.
 *
 * Three headers: `operator-id` (unique per request, 1–128 of `A-Za-z0-9_.:-`),
 * `operator-timestamp` (Unix seconds) and `operator-signature` (`ed25519,` + base64 of the 64-byte
 * signature). The signed bytes are the UTF-8 of
 *
 * ```
 * talkie-operator-v1\n<METHOD>\n<path>\n<operator-id>\n<operator-timestamp>\n<body>
 * ```
 *
 * where METHOD is upper case, path is the URL path without query (`/operator/verdict`) and body
 * is the exact request body. Timestamps more than 5 minutes from the receiver's clock are
 * refused; the receiver remembers ids to refuse replays.
 *
 * Pure: the clock comes in as an argument, nothing is logged.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createPublicKey, type KeyObject, sign, verify } from "node:crypto";

/** Header with the request's unique id. */
export const OPERATOR_ID = "operator-id";
/** Header with the signing time in Unix seconds. */
export const OPERATOR_TIMESTAMP = "operator-timestamp";
/** Header with `ed25519,<base64 signature>`. */
export const OPERATOR_SIGNATURE = "operator-signature";
/** The accepted clock distance, in seconds: ±5 minutes. */
export const OPERATOR_TOLERANCE_SECONDS = 300;
/** The prefix of an operator public key in configuration. */
export const OPERATOR_KEY_PREFIX = "ed25519:";

const DOMAIN = "talkie-operator-v1";
const ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const DIGITS = /^[0-9]{1,15}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// DER of an Ed25519 SubjectPublicKeyInfo, before the 32 raw key bytes (RFC 8410).
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** The parts of a request that are signed. */
export interface OperatorRequest {
  /** HTTP method, e.g. `POST`. */
  method: string;
  /** URL path, e.g. `/operator/verdict`. */
  path: string;
  /** The exact body, as text (UTF-8) or bytes. */
  body: string | Uint8Array;
}

/**
 * The exact bytes an operator signs (see the module doc).
 *
 * @example
 * ```ts
 * signedBytes({ method: "POST", path: "/operator/verdict", body: "{}" }, "op_1", 1700000000);
 * ```
 */
export function signedBytes(request: OperatorRequest, id: string, timestamp: number): Buffer {
  const head = `${DOMAIN}\n${request.method.toUpperCase()}\n${request.path}\n${id}\n${timestamp}\n`;
  const body = typeof request.body === "string" ? Buffer.from(request.body, "utf8") : request.body;
  return Buffer.concat([Buffer.from(head, "utf8"), body]);
}

/**
 * Reads `ed25519:<base64>` (32 raw bytes) as a public key.
 *
 * @throws {TypeError} saying what is wrong with the text (never echoing more than the prefix).
 */
export function parseOperatorPublicKey(text: string): KeyObject {
  const value = text.trim();
  if (!value.startsWith(OPERATOR_KEY_PREFIX)) {
    throw new TypeError(
      `must start with "${OPERATOR_KEY_PREFIX}" (run: claude-talkie-walkie operator-key)`,
    );
  }
  const b64 = value.slice(OPERATOR_KEY_PREFIX.length);
  const raw = BASE64.test(b64) ? Buffer.from(b64, "base64") : undefined;
  if (raw?.length !== 32) {
    throw new TypeError("must be ed25519: and the base64 of a 32-byte Ed25519 public key");
  }
  try {
    return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: "der", type: "spki" });
  } catch {
    throw new TypeError("is not a valid Ed25519 public key: copy the line operator-key printed");
  }
}

/** The `ed25519:<base64>` text of a public key (the line nodes are configured with). */
export function formatOperatorPublicKey(key: KeyObject): string {
  const der = key.export({ format: "der", type: "spki" });
  return OPERATOR_KEY_PREFIX + Buffer.from(der.subarray(der.length - 32)).toString("base64");
}

/**
 * The three headers of a request signed with the operator's private key.
 *
 * @param privateKey an Ed25519 private `KeyObject` (see `createPrivateKey`).
 */
export function signOperatorRequest(
  privateKey: KeyObject,
  request: OperatorRequest & { id: string; timestamp: number },
): Record<string, string> {
  if (!ID.test(request.id)) throw new TypeError(`operator id "${request.id}" is not valid`);
  const signature = sign(null, signedBytes(request, request.id, request.timestamp), privateKey);
  return {
    [OPERATOR_ID]: request.id,
    [OPERATOR_TIMESTAMP]: String(request.timestamp),
    [OPERATOR_SIGNATURE]: `ed25519,${signature.toString("base64")}`,
  };
}

/** The outcome of {@linkcode verifyOperatorRequest}. */
export type OperatorVerification =
  | { ok: true; id: string; timestamp: number }
  | { ok: false; reason: string };

/**
 * Checks an operator signature: headers present and well formed, timestamp within ±5 minutes
 * of `nowSeconds`, and an Ed25519 signature by `publicKey` over {@linkcode signedBytes}.
 * Replays are the caller's to refuse (remember `id`).
 */
export function verifyOperatorRequest(
  publicKey: KeyObject,
  request: OperatorRequest & { headers: Headers },
  nowSeconds: number,
): OperatorVerification {
  const id = request.headers.get(OPERATOR_ID) ?? "";
  const ts = request.headers.get(OPERATOR_TIMESTAMP) ?? "";
  const sig = request.headers.get(OPERATOR_SIGNATURE) ?? "";
  if (!sig) return { ok: false, reason: `missing ${OPERATOR_SIGNATURE} header` };
  if (!ID.test(id)) return { ok: false, reason: `missing or malformed ${OPERATOR_ID} header` };
  if (!DIGITS.test(ts)) return { ok: false, reason: `malformed ${OPERATOR_TIMESTAMP} header` };
  const timestamp = Number(ts);
  if (Math.abs(nowSeconds - timestamp) > OPERATOR_TOLERANCE_SECONDS) {
    return { ok: false, reason: "timestamp is more than 5 minutes from this node's clock" };
  }
  const b64 = sig.startsWith("ed25519,") ? sig.slice(8) : "";
  const bytes = BASE64.test(b64) ? Buffer.from(b64, "base64") : undefined;
  if (bytes?.length !== 64) return { ok: false, reason: `malformed ${OPERATOR_SIGNATURE} header` };
  const good = verify(null, signedBytes(request, id, timestamp), publicKey, bytes);
  return good ? { ok: true, id, timestamp } : {
    ok: false,
    reason: "signature does not match the operator key",
  };
}
