/**
 * Fresh id memories for tests of one part (a handler, a transport): the node's store in memory.
 *
 * @module
 */

import { Store } from "../../src/store/store.ts";
import type { DeliveredIds } from "../../src/core/delivered.ts";
import type { SeenIds } from "../../src/core/replay.ts";

/** Replay and delivered-id memories, each `ttlMs` long (default 15 minutes), in memory. */
export function memoryIds(ttlMs = 900_000): { seen: SeenIds; delivered: DeliveredIds } {
  const store = Store.open({
    path: ":memory:",
    log: () => {},
    deliveredTtlMs: ttlMs,
    replayTtlMs: ttlMs,
  });
  return { seen: store.replays, delivered: store.delivered };
}
