/**
 * Logging for the broker's background paths (heartbeats, watches, subscriptions, the durable
 * consumer): a failure that repeats every few seconds must be said, but once, not as a flood on
 * stderr.
 *
 * @module
 */

import type { Logger } from "../platform/log.ts";

/**
 * Logs `line` under `key` at most once per `windowMs` (default a minute); lines suppressed in
 * between are counted and the count is added to the next line that gets through.
 *
 * @param now clock in milliseconds, injected for tests.
 * @example
 * ```ts
 * const say = throttledLog((l) => console.error(l));
 * say("beat", "NATS heartbeat failed: timeout"); // logged
 * say("beat", "NATS heartbeat failed: timeout"); // counted, not logged
 * ```
 */
export function throttledLog(
  log: Logger,
  windowMs = 60_000,
  now: () => number = Date.now,
): (key: string, line: string) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (key, line) => {
    const t = now();
    const seen = last.get(key);
    if (seen && t - seen.at < windowMs) {
      seen.suppressed++;
      return;
    }
    const more = seen?.suppressed ? ` (${seen.suppressed} more like it since the last one)` : "";
    last.set(key, { at: t, suppressed: 0 });
    log(`${line}${more}`);
  };
}

/** The message of an error, or the value as text. */
export function errorText(e: unknown): string {
  return (e as Error)?.message ?? String(e);
}
