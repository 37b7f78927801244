/**
 * Joining a mesh on one NATS connection: the presence bucket (and the roster and durable stream
 * in durable mode), the subscriptions that answer messages and probes once the role is ours,
 * delivery reports, and the node's events for `viewer --nats`.
 *
 * @module
 */

import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Hub } from "../node/hub.ts";
import type { Receiver } from "../node/receiver.ts";
import type { Logger } from "../platform/log.ts";
import type { NatsConfig } from "./config.ts";
import { DURABLE_LIMITS, DurableInbox } from "./durable.ts";
import { ensureEventStream } from "./history.ts";
import { errorText } from "./log_once.ts";
import { listenReports, publishEvent, serveRole, watchStatus } from "./inbound.ts";
import { consumeReports, type WireReport } from "./reports.ts";
import { openBucket, Presence, type PresenceValue } from "./presence.ts";
import { keyCard, type NodeKeys } from "../core/node_key.ts";
import { eventSealer } from "./subjects.ts";
import type { Privacy } from "../node/privacy.ts";
import { type Inbound, judgeSender } from "../node/receive.ts";
import type { MeshNames } from "./subjects.ts";

/** What {@linkcode joinMesh} needs. */
export interface JoinOptions {
  config: NatsConfig;
  names: MeshNames;
  role: string;
  version: string;
  /** Signature key from the mesh secret. */
  key: Uint8Array;
  /** The node's receiving side: every incoming message goes through its rules. */
  receiver: Receiver;
  /** Its events go to `<mesh>.events.<role>`; reports of stored messages come back to it. */
  hub: Hub;
  log: Logger;
  /**
   * Data of the `hello` event (`{role, peers, online, version}`), published on joining and then
   * every third of the presence TTL.
   */
  hello: () => Record<string, unknown>;
  /** This node's keys: its presence entry shows its key card, its reports are signed. */
  nodeKeys?: NodeKeys;
  /** Learns members' key cards. */
  privacy?: Privacy;
}

/** This node's part of the mesh on one connection. */
export interface Membership {
  presence: Presence;
  /** The stream of stored messages (durable mode only). */
  durable?: DurableInbox;
  /** Publishes the `hello` event now. */
  hello(): void;
  /** Stops answering, heartbeats and events, and gives the role up. Idempotent. */
  close(): Promise<void>;
}

/**
 * Joins the mesh on `nc`. Messages and probes are answered only once this session holds its
 * role (a second session of a live role waits silently).
 *
 * @throws what JetStream throws when the buckets or the stream cannot be made (no `-js`); what
 *   was set up is stopped first.
 */
export async function joinMesh(nc: NatsConnection, o: JoinOptions): Promise<Membership> {
  const { config, names, role, log } = o;
  const stops: (() => void | Promise<void>)[] = [];
  // Hellos go on a subject of their own: heartbeats are not history for the event stream.
  // Viewers read the events with the mesh secret; a broker subscriber without it reads nothing.
  const events = eventSealer(o.key);
  const hello = () =>
    publishEvent(nc, names.hello(role), { event: "hello", data: o.hello() }, events);
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      for (const stop of stops.splice(0).reverse()) await stop();
    })();
  try {
    const kvm = new Kvm(nc);
    // In a cluster the buckets and the stream are replicated, so losing a server loses nothing.
    const replicas = nc.info?.cluster ? 3 : 1;
    const kv = await openBucket(kvm, names.presenceBucket, { ttl: config.presenceTtlMs, replicas });
    const roster = config.durable
      ? await openBucket(kvm, names.rosterBucket, { replicas })
      : undefined;
    const durable = config.durable
      ? new DurableInbox({
        nc,
        names,
        role,
        key: o.key,
        log,
        receiver: o.receiver,
        replicas,
        maxAgeMs: config.maxAgeMs,
        maxBytes: config.maxBytes,
        nodeKeys: o.nodeKeys,
      })
      : undefined;
    await durable?.ensureStream();
    stops.push(() => durable?.close());
    // History is a convenience for viewers: a broker that will not keep it still carries the mesh.
    await ensureEventStream(nc, {
      names,
      replicas,
      maxAgeMs: config.maxAgeMs ?? DURABLE_LIMITS.maxAgeMs,
    }).catch((e) => log(`warning: the broker keeps no event history for viewers: ${errorText(e)}`));
    watchStatus(nc, log);
    // Stored messages are out of our outbox: the receiver's report is the only word on them.
    const onReport = (report: WireReport) => {
      durable?.settled(report.peer, report.message_id);
      o.hub.report({ ...report, attempts: 1, queuedMs: report.queued_ms });
    };
    // Reports, presence entries and messages are judged by the same receive rules.
    const judge = (inbound: Inbound, from: string) =>
      judgeSender(inbound, from, o.receiver.context);
    listenReports(nc, { subject: names.reports(role), key: o.key, log, onReport, judge });
    const value: PresenceValue = {
      role,
      instance: crypto.randomUUID(),
      version: o.version,
      started_at: new Date().toISOString(),
    };
    if (o.nodeKeys) value.key_card = keyCard(o.nodeKeys, role);
    let listening = false;
    const presence: Presence = new Presence({
      kv,
      roster,
      ttlMs: config.presenceTtlMs,
      log,
      value,
      // Members' key cards are learned (and pinned) as they appear.
      accept: (member, card) => o.privacy?.learn(member, card) ?? true,
      onConflict: (message) => log(`error: ${message}`),
      onClaimed: async () => {
        if (!listening) {
          listening = true;
          stops.push(serveRole(nc, {
            names,
            role,
            receiver: o.receiver,
            live: () => presence.claimed,
            log,
          }));
          await durable?.consume();
          if (durable) {
            stops.push(
              await consumeReports(nc, { names, role, key: o.key, log, onReport, judge }),
            );
          }
        }
        hello();
        log(
          `"${role}" joined mesh "${config.mesh}" on NATS ${nc.getServer()}` +
            `${config.durable ? " (durable)" : ""}; online: ${
              presence.live().join(", ") || "none"
            }`,
        );
      },
    });
    stops.push(() => presence.close());
    await presence.start();
    stops.push(
      o.hub.subscribe((r) =>
        publishEvent(nc, names.events(role), { event: r.kind, data: r.envelope }, events)
      ),
      // Status lines, outcomes and permission prompts, as /events has them.
      o.hub.onNotice((n) => publishEvent(nc, names.events(role), n, events)),
    );
    const beat = setInterval(hello, config.presenceTtlMs / 3);
    stops.push(() => clearInterval(beat));
    return { presence, durable, hello, close };
  } catch (e) {
    await close();
    throw e;
  }
}
