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
 * talkie-operator-v2\n<METHOD>\n<path>\n<role>\n<mesh>\n<operator-id>\n<operator-timestamp>\n<body>
 * ```
 *
 * where METHOD is upper case, path is the URL path without query (`/operator/verdict`), role and
 * mesh name the node the request is for (mesh empty when the node has none: an HTTP mesh) and
 * body is the exact request body. The target is not sent: the receiver puts its own role and
 * mesh in, so a request signed for one node fails on every other. Timestamps more than 5
 * minutes from the receiver's clock are refused; the receiver remembers ids to refuse replays.
 *
 * Transport-neutral: the same bytes whether the request travels over HTTP or a broker.
 *
 * Pure: the clock comes in as an argument, nothing is logged.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { KeyObject } from "node:crypto";
import process from "node:process";
import { BASE64 } from "./secret_key.ts";

/**
 * `node:crypto`, loaded at its first use: the configuration parses the operator's key, and
 * reading it must not load the crypto module before a node answers `initialize`.
 */
const crypto = () => process.getBuiltinModule("node:crypto");

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

const DOMAIN = "talkie-operator-v2";
const ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const DIGITS = /^[0-9]{1,15}$/;
// Encodings of the eight points of small order (libsodium's list, compared with the sign bit
// cleared): with such a key, forged signatures verify.
const SMALL_ORDER = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
];

/** Whether 32 raw key bytes encode a point of small order (the identity among them). */
function smallOrder(raw: Uint8Array): boolean {
  const masked = Buffer.from(raw);
  masked[31] &= 0x7f;
  return SMALL_ORDER.includes(masked.toString("hex"));
}

// DER of an Ed25519 SubjectPublicKeyInfo, before the 32 raw key bytes (RFC 8410).
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** The node an operator request is for: its role, and its mesh when it has one. */
export interface OperatorTarget {
  /** The node's role (`MY_ROLE`). */
  role: string;
  /** The node's broker mesh (`INTERCOM_MESH`); absent for an HTTP mesh. */
  mesh?: string;
}

/** The parts of a request that are signed. */
export interface OperatorRequest {
  /** HTTP method, e.g. `POST`. */
  method: string;
  /** URL path, e.g. `/operator/verdict`. */
  path: string;
  /** The exact body, as text (UTF-8) or bytes. */
  body: string | Uint8Array;
  /** The node the request is for. */
  target: OperatorTarget;
}

// Role and mesh become lines of the signed text: nothing that could hold a line break.
const TARGET_PART = /^[A-Za-z0-9_.-]{0,64}$/;

/**
 * The exact bytes an operator signs (see the module doc).
 *
 * @example
 * ```ts
 * signedBytes(
 *   { method: "POST", path: "/operator/verdict", body: "{}", target: { role: "backend" } },
 *   "op_1",
 *   1700000000,
 * );
 * ```
 *
 * @throws {TypeError} when the target's role is empty or role or mesh is not a name.
 */
export function signedBytes(request: OperatorRequest, id: string, timestamp: number): Buffer {
  const { role, mesh = "" } = request.target;
  if (role === "" || !TARGET_PART.test(role) || !TARGET_PART.test(mesh)) {
    throw new TypeError("An operator request's target must be a role and an optional mesh name");
  }
  const head = `${DOMAIN}\n${request.method.toUpperCase()}\n${request.path}\n${role}\n${mesh}\n` +
    `${id}\n${timestamp}\n`;
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
  if (smallOrder(raw)) {
    throw new TypeError(
      "is a point of small order, with which anyone can forge signatures: copy the line " +
        "operator-key printed",
    );
  }
  try {
    return crypto().createPublicKey({
      key: Buffer.concat([SPKI_PREFIX, raw]),
      format: "der",
      type: "spki",
    });
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
  const signature = crypto().sign(
    null,
    signedBytes(request, request.id, request.timestamp),
    privateKey,
  );
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
 * The checks of an operator request that need no body: the three headers present and well
 * formed, and the timestamp within ±5 minutes of `nowSeconds`. A receiver runs them before it
 * reads any body.
 */
export function checkOperatorHeaders(
  headers: Headers,
  nowSeconds: number,
): OperatorVerification & { signature?: Uint8Array } {
  const id = headers.get(OPERATOR_ID) ?? "";
  const ts = headers.get(OPERATOR_TIMESTAMP) ?? "";
  const sig = headers.get(OPERATOR_SIGNATURE) ?? "";
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
  return { ok: true, id, timestamp, signature: bytes };
}

/**
 * Checks an operator signature: {@linkcode checkOperatorHeaders}, then an Ed25519 signature by
 * `publicKey` over {@linkcode signedBytes} for `request.target`, which is the receiving node
 * itself (never what the request says). Replays are the caller's to refuse (remember `id`).
 */
export function verifyOperatorRequest(
  publicKey: KeyObject,
  request: OperatorRequest & { headers: Headers },
  nowSeconds: number,
): OperatorVerification {
  const checked = checkOperatorHeaders(request.headers, nowSeconds);
  if (!checked.ok) return checked;
  const { id, timestamp, signature } = checked;
  const good = crypto().verify(null, signedBytes(request, id, timestamp), publicKey, signature!);
  const node = request.target.mesh
    ? `"${request.target.role}" of mesh "${request.target.mesh}"`
    : `"${request.target.role}"`;
  return good ? { ok: true, id, timestamp } : {
    ok: false,
    reason: `signature does not match the operator key for ${node} (signed by another key, ` +
      "for another node, or altered)",
  };
}
