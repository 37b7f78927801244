/**
 * A node's receiving side without a node, for tests of a transport alone: the real receive
 * rules with fresh memories, and a `deliver` that says what the session did.
 *
 * @module
 */

import type { Envelope } from "../../src/core/envelope.ts";
import type { SessionDelivery } from "../../src/node/channel.ts";
import { Hub } from "../../src/node/hub.ts";
import type { Receiver } from "../../src/node/receiver.ts";
import { memoryIds } from "./ids.ts";

/** Options of {@linkcode testReceiver}. */
export interface TestReceiverOptions {
  /** The signature key of the mesh. */
  key: Uint8Array;
  /** This node's role (default `bob`). */
  role?: string;
  /** What the session does with a message (default: takes it). */
  deliver?: (envelope: Envelope) => Promise<SessionDelivery>;
  /** What `/health` says (default `{status:"ok",role}`). */
  health?: () => Record<string, unknown>;
}

/** A receiver with the real rules, fresh memories and the given session. */
export function testReceiver(o: TestReceiverOptions): Receiver {
  const role = o.role ?? "bob";
  return {
    key: o.key,
    health: o.health ?? (() => ({ status: "ok", role })),
    context: {
      role,
      maxMessageBytes: 65_536,
      now: () => new Date(),
      hub: new Hub(),
      ...memoryIds(),
      deliver: o.deliver ?? (() => Promise.resolve("delivered")),
    },
  };
}
