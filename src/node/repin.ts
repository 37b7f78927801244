/**
 * Re-pinning, the one rule for both ways of doing it: `claude-talkie-walkie pin` on a stopped
 * node's store, or a running node asked by its owner (`POST /pin`, signed with the node's own
 * key, which only whoever holds its state directory has).
 *
 * @module
 */

import type { PinStore } from "./pins.ts";

/**
 * Pins `role` to `fingerprint` (or, without one, forgets its pin so the next key that signs for
 * it is pinned) and returns the line saying what it replaced.
 *
 * @example
 * ```ts
 * // repin(store.pins, "bravo", "alpha", "SHA256:…", Date.now());
 * // '"bravo": "alpha" replaced SHA256:old…; now pinned to SHA256:…'
 * ```
 */
export function repin(
  pins: PinStore,
  own: string,
  role: string,
  fingerprint: string | undefined,
  nowMs: number,
): string {
  const before = pins.get(role)?.fingerprint;
  if (fingerprint === undefined) pins.delete(role);
  else pins.set(role, fingerprint, nowMs);
  const was = before ? `replaced ${before}` : "was not pinned";
  const now = fingerprint
    ? `now pinned to ${fingerprint}`
    : "now unpinned: the next key that signs for it is pinned";
  return `"${own}": "${role}" ${was}; ${now}`;
}
