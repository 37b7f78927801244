/**
 * Shared-secret checks for the `X-Intercom-Secret` header (v2 protocol).
 *
 * @module
 */

import { createHash, timingSafeEqual } from "node:crypto";

/** The header that carries the shared secret (v2 compatible). */
export const SECRET_HEADER = "X-Intercom-Secret";

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
// The node's own secret is hashed once, not on every request.
let expectedDigest: { text: string; digest: Uint8Array } | undefined;
const digestOfExpected = (text: string) =>
  expectedDigest?.text === text
    ? expectedDigest.digest
    : (expectedDigest = { text, digest: digest(text) }).digest;

/**
 * Compares a presented secret with the expected one in constant time. Both are hashed first so
 * the comparison takes the same time whatever their lengths.
 */
export function secretMatches(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  return timingSafeEqual(digest(presented), digestOfExpected(expected));
}
