/**
 * The POST load generator: `senders` concurrent loops POSTing `/message` with the secret header
 * and a JSON body `{from, message, message_id}`, until a deadline or a message count. Each
 * request has its own `from` name so a per-sender rate limit cannot refuse the load (the node
 * also gets `INTERCOM_RATE_LIMIT=0`).
 *
 * @module
 */

import { SECRET } from "./_lib.ts";

/** Options for {@linkcode postLoad}. */
export interface LoadOptions {
  /** Base URL of the receiver. */
  url: string;
  senders: number;
  /** Stop at this `performance.now()`, or after `count` messages, whichever comes first. */
  until?: number;
  count?: number;
  /** Prefix of message ids, unique per run. */
  prefix: string;
  /** Bytes of message text (ASCII). */
  size?: number;
}

/** What the load produced. */
export interface LoadResult {
  /** Ids the receiver answered 2xx to. */
  accepted: string[];
  /** Non-2xx answers and network errors, by status or message. */
  failures: Record<string, number>;
  elapsedMs: number;
}

/** Runs the load; never throws for a refused request (it is counted in `failures`). */
export async function postLoad(options: LoadOptions): Promise<LoadResult> {
  const text = "x".repeat(options.size ?? 200);
  const accepted: string[] = [];
  const failures: Record<string, number> = {};
  const limit = options.count ?? Infinity;
  const until = options.until ?? Infinity;
  let next = 0;
  const started = performance.now();
  const sender = async (k: number) => {
    while (next < limit && performance.now() < until) {
      const id = `${options.prefix}${next++}`;
      try {
        const r = await fetch(`${options.url}/message`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-intercom-secret": SECRET },
          body: JSON.stringify({ from: `bench-${k}-${id}`, message: text, message_id: id }),
        });
        await r.text();
        if (r.ok) accepted.push(id);
        else failures[`HTTP ${r.status}`] = (failures[`HTTP ${r.status}`] ?? 0) + 1;
      } catch (e) {
        const key = String((e as Error)?.message ?? e).slice(0, 80);
        failures[key] = (failures[key] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.senders }, (_, k) => sender(k)));
  return { accepted, failures, elapsedMs: performance.now() - started };
}
