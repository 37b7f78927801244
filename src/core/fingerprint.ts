/**
 * The shape of a node key fingerprint (`SHA256:` + 43 characters of unpadded base64url), kept
 * apart from the keys so that reading `PEERS` pins does not load `node:crypto`.
 *
 * @module
 */

const FINGERPRINT = /^SHA256:[A-Za-z0-9_-]{43}$/;

/**
 * Whether `text` is a fingerprint as `fingerprintOf` (`node_key.ts`) writes it.
 *
 * @example
 * ```ts
 * isFingerprint("SHA256:" + "A".repeat(43)); // true
 * ```
 */
export function isFingerprint(text: string): boolean {
  return FINGERPRINT.test(text);
}
