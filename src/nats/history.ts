/**
 * The mesh's recent events, kept for `viewer --nats`: every node's hub events on
 * `<mesh>.events.<role>` are also kept in the stream `<mesh>_events` (in the broker's memory,
 * the last {@linkcode HISTORY_KEPT}, no older than the stream limit), so a viewer that starts
 * late replays the last ones and then follows live from the same ordered consumer: one sequence,
 * so nothing is shown twice or missed at the seam. Hellos are on their own subjects and not kept.
 *
 * @module
 */

import {
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { MeshNames } from "./subjects.ts";

/** How many events the stream keeps for the whole mesh. */
export const HISTORY_KEPT = 1_000;

/** How many events a viewer replays when it starts. */
export const HISTORY_REPLAYED = 200;

/**
 * Creates the event stream when it is missing (idempotent; every node calls it on joining).
 *
 * @throws what JetStream throws (no JetStream, no permission): the caller logs it, and the mesh
 *   works without history.
 */
export async function ensureEventStream(
  nc: NatsConnection,
  o: { names: MeshNames; replicas: number; maxAgeMs: number },
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const name = o.names.eventStream;
  if (await jsm.streams.info(name).catch(() => undefined)) return;
  await jsm.streams.add({
    name,
    subjects: [o.names.allEvents],
    retention: RetentionPolicy.Limits,
    storage: StorageType.Memory,
    max_msgs: HISTORY_KEPT,
    max_age: o.maxAgeMs * 1e6,
    discard: DiscardPolicy.Old,
    num_replicas: o.replicas,
  });
}

/**
 * Replays the last `last` kept events of the mesh, then the live ones as they come, each once
 * and in the stream's order, until the returned function is called.
 *
 * @returns a stop function, or `undefined` when the mesh keeps no history (no stream: nodes
 *   of an earlier version), so the caller follows live events only.
 */
export async function followHistory(
  nc: NatsConnection,
  o: {
    names: MeshNames;
    last?: number;
    onMessage: (subject: string, data: Uint8Array) => void;
  },
): Promise<(() => void) | undefined> {
  const jsm = await jetstreamManager(nc).catch(() => undefined);
  const info = await jsm?.streams.info(o.names.eventStream).catch(() => undefined);
  if (!info) return undefined;
  const { first_seq, last_seq } = info.state;
  const start = Math.max(first_seq, last_seq - (o.last ?? HISTORY_REPLAYED) + 1, 1);
  const consumer = await jetstream(nc).consumers.get(o.names.eventStream, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: start,
  });
  const messages = await consumer.consume();
  (async () => {
    for await (const m of messages) o.onMessage(m.subject, m.data);
  })().catch(() => {/* stopped, or the connection closed: the viewer says so itself */});
  return () => messages.stop();
}
