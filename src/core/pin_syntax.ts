/**
 * The one syntax of a pin given up front: a `PEERS` entry (an HTTP peer, or a broker roster name)
 * may end with `#` and a node key fingerprint.
 *
 * @module
 */

import { isFingerprint } from "./fingerprint.ts";

/**
 * Splits the pins off a `PEERS` value: an entry may end with `#` and a fingerprint
 * (`alpha=10.0.0.5:8788#SHA256:…` over HTTP, `alpha#SHA256:…` in a broker roster), which pins
 * that role up front. Returns the value without them and the pins, role → fingerprint.
 *
 * @throws {TypeError} when what follows `#` is not a fingerprint.
 *
 * @example
 * ```ts
 * splitPins("alpha#SHA256:" + "A".repeat(43) + ",bravo").peers; // "alpha,bravo"
 * ```
 */
export function splitPins(peers: string): { peers: string; pins: Map<string, string> } {
  const pins = new Map<string, string>();
  const entries = peers.split(",").map((entry) => {
    const hash = entry.indexOf("#");
    if (hash < 0) return entry;
    const fingerprint = entry.slice(hash + 1).trim();
    const rest = entry.slice(0, hash);
    if (!isFingerprint(fingerprint)) {
      throw new TypeError(
        `PEERS entry "${entry.trim()}": after "#" comes a node key fingerprint ` +
          "(SHA256: and 43 characters, as init and doctor print it)",
      );
    }
    pins.set(rest.split("=")[0].trim(), fingerprint);
    return rest;
  });
  return { peers: entries.join(","), pins };
}
