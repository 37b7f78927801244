/**
 * The mesh secret as an HMAC key (Standard Webhooks: `whsec_` + base64, or any other string).
 * Kept apart from the signatures so that reading the configuration, which checks the secret,
 * does not load `node:crypto` before a node answers `initialize`.
 *
 * @module
 */

import { Buffer } from "node:buffer";

const SECRET_PREFIX = "whsec_";
/** Padded standard base64 (RFC 4648 §4), the encoding of `whsec_` secrets and signatures. */
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Derives the HMAC key from INTERCOM_SECRET.
 *
 * @param secret a `whsec_<base64>` secret (Standard Webhooks) or any other string.
 * @returns the key bytes: the decoded base64 after `whsec_`, else the UTF-8 bytes of `secret`
 *   (empty for an empty secret).
 * @throws {TypeError} when `secret` starts with `whsec_` but the rest is empty or not padded
 *   standard base64; the message never contains the secret.
 *
 * @example
 * ```ts
 * const key = signatureKey(process.env.INTERCOM_SECRET ?? "");
 * ```
 */
export function signatureKey(secret: string): Uint8Array {
  if (!secret.startsWith(SECRET_PREFIX)) return new TextEncoder().encode(secret);
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (encoded === "" || !BASE64.test(encoded)) {
    throw new TypeError(
      'Cannot use INTERCOM_SECRET: it starts with "whsec_" but the rest is not base64; ' +
        "use a whsec_ secret as issued or drop the prefix",
    );
  }
  return new Uint8Array(Buffer.from(encoded, "base64"));
}
